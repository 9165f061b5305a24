package docker

import (
	"context"
	"fmt"
	"maps"

	"github.com/moby/moby/client"

	"github.com/testbed-dev/testbed/plan"
)

// LabelKept marks the volume that says a project was left up on purpose.
const LabelKept = "testbed.kept"

// Keep records on the engine that p, now up and ready, is left up on
// purpose by a finished `testbed up` (or a kept library run): an empty
// volume named plan.KeptVolume with the project's labels and LabelKept.
// reap leaves such a project alone, and down removes the marker before
// anything else. A run that dies before it gets here leaves no marker, so
// its project is reaped.
//
// Kept-ness is read from volumes only, never from containers: an image's
// LABEL is inherited by its containers, not by volumes testbed makes.
func (d *Driver) Keep(ctx context.Context, p *plan.Plan) error {
	labels := maps.Clone(p.Labels)
	labels[LabelKept] = "true"
	cctx, cancel := callCtx(ctx)
	defer cancel()
	if _, err := d.cli.VolumeCreate(cctx, client.VolumeCreateOptions{Name: plan.KeptVolume(p.Project), Labels: labels}); err != nil {
		return fmt.Errorf("mark project %s as left up: %w", p.Project, err)
	}
	if !d.fwd.any(p.Project) && d.forwarderHeld(p.Project) {
		return nil // nothing of it forwarded here, and its forwarder runs
	}
	// Ports this process forwards, or a background forwarder forwarded
	// before it died, go to a new background forwarder on the same ports.
	list, err := d.List(ctx, p.Project)
	if err != nil {
		return err
	}
	for _, c := range list {
		if c.Labels[LabelForward] != "" {
			return d.handOver(ctx, p.Project)
		}
	}
	return nil
}
