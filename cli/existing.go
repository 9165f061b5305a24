package cli

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/engine/docker"
	"github.com/testbed-dev/testbed/lifecycle"
	"github.com/testbed-dev/testbed/owner"
	"github.com/testbed-dev/testbed/plan"
)

// existing handles an up of a project that already has resources on the
// engine (containers, networks or volumes):
//   - up with the same spec, recorded in the state directory: a no-op that
//     returns the recorded endpoints;
//   - up with another spec: refused;
//   - leftovers of a run whose owner is gone and that never finished: removed.
func (a *app) existing(ctx context.Context, drv *docker.Driver, p *plan.Plan, dir string) (*endpoints.Manifest, error) {
	mine, err := drv.Resources(ctx, p.Project)
	if err != nil {
		return nil, err
	}
	if len(mine) == 0 {
		return nil, nil
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
	for _, r := range mine {
		o, err := owner.Parse(r.Owner)
		if alive, _ := o.Alive(); err == nil && alive {
			return nil, fmt.Errorf("project %s is being brought up by another run (pid %d on %s); pick another --project", p.Project, o.PID, o.Host)
		}
	}
	fmt.Fprintf(a.io.Err, "testbed: removing what a crashed run of project %s left (%d resources)\n", p.Project, len(mine))
	return nil, drv.Remove(ctx, lifecycle.RemoveOptions{Project: p.Project})
}

// removeNewDirOnError notes whether dir exists now; the function it returns
// removes dir if it did not and *err is set: a failed up leaves no state
// directory that it made.
func removeNewDirOnError(dir string) func(err *error) {
	_, statErr := os.Stat(dir)
	created := errors.Is(statErr, os.ErrNotExist)
	return func(err *error) {
		if *err != nil && created {
			os.RemoveAll(dir)
		}
	}
}
