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

// MarkKept records on the engine that p, now up and ready, is left up on
// purpose by a finished `testbed up` (or a kept library run): an empty
// volume named <project>-kept with the project's labels and LabelKept.
// reap leaves such a project alone whatever state directory it reads,
// and down removes the marker with the rest. A run that dies before it
// gets here leaves no marker, so its project is reaped.
func (d *Driver) MarkKept(ctx context.Context, p *plan.Plan) error {
	labels := maps.Clone(p.Labels)
	labels[LabelKept] = "true"
	cctx, cancel := callCtx(ctx)
	defer cancel()
	if _, err := d.cli.VolumeCreate(cctx, client.VolumeCreateOptions{Name: p.Project + "-kept", Labels: labels}); err != nil {
		return fmt.Errorf("mark project %s as left up: %w", p.Project, err)
	}
	return nil
}
