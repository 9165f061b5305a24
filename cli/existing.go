package cli

import (
	"context"
	"fmt"

	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/engine/docker"
	"github.com/testbed-dev/testbed/lifecycle"
	"github.com/testbed-dev/testbed/owner"
	"github.com/testbed-dev/testbed/plan"
)

// existing handles an up of a project that already has containers:
//   - up with the same spec, recorded in the state directory: a no-op that
//     returns the recorded endpoints;
//   - up with another spec: refused;
//   - leftovers of a run whose owner is gone and that never finished: removed.
func (a *app) existing(ctx context.Context, drv *docker.Driver, p *plan.Plan, dir string) (*endpoints.Manifest, error) {
	list, err := drv.List(ctx, p.Project)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, drv.Remove(ctx, lifecycle.RemoveOptions{Project: p.Project}) // a network left alone
	}
	m, merr := endpoints.Read(dir)
	recorded := endpoints.ReadSpecHash(dir)
	if merr == nil && recorded != "" {
		if recorded == p.SpecHash {
			fmt.Fprintf(a.io.Err, "testbed: project %s is already up with this spec; nothing to do\n", p.Project)
			return m, nil
		}
		return nil, usagef("project %s is already up with a different spec; run `testbed -p %s down` first, or pick another --project", p.Project, p.Project)
	}
	for _, c := range list {
		o, err := owner.Parse(c.Owner)
		if alive, _ := o.Alive(); err == nil && alive {
			return nil, fmt.Errorf("project %s is being brought up by another run (pid %d); pick another --project", p.Project, o.PID)
		}
	}
	fmt.Fprintf(a.io.Err, "testbed: removing what a crashed run of project %s left\n", p.Project)
	return nil, drv.Remove(ctx, lifecycle.RemoveOptions{Project: p.Project})
}
