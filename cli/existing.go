package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"

	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/engine/docker"
	"github.com/testbed-dev/testbed/lifecycle"
	"github.com/testbed-dev/testbed/owner"
	"github.com/testbed-dev/testbed/plan"
)

// existing handles an up of a project that already has resources on the
// engine (containers, networks or volumes):
//   - left up on purpose (marked kept on the engine, or recorded in this
//     state directory by a testbed from before the marker, which marks it
//     now) with the same spec and recorded here: a no-op that returns the
//     recorded endpoints;
//   - left up on purpose otherwise: refused;
//   - still being brought up by a live run: refused;
//   - leftovers of a run whose owner is gone and that never finished: removed.
func (a *app) existing(ctx context.Context, drv *docker.Driver, p *plan.Plan, dir string) (*endpoints.Manifest, error) {
	mine, err := drv.Resources(ctx, p.Project)
	if err != nil {
		return nil, err
	}
	if len(mine) == 0 {
		return nil, nil
	}
	i := slices.IndexFunc(mine, func(r docker.Resource) bool { return r.Kept })
	if i < 0 {
		// Left up before the engine marker existed? Mark it now if it
		// runs this very spec (the marker carries the plan's labels).
		i = slices.IndexFunc(mine, a.recordedHere)
		if i >= 0 && mine[i].SpecHash == p.SpecHash {
			if err := drv.MarkKept(ctx, p); err != nil {
				return nil, err
			}
		}
	}
	if i >= 0 {
		m, merr := endpoints.Read(dir)
		switch {
		case mine[i].SpecHash != p.SpecHash:
			return nil, errOtherSpec(p.Project)
		case merr != nil || endpoints.ReadSpecHash(dir) != p.SpecHash:
			return nil, usagef("project %s is already up, recorded in another state directory than %s; run `testbed -p %s down` first, or use that --state-dir", p.Project, dir, p.Project)
		}
		fmt.Fprintf(a.io.Err, "testbed: project %s is already up with this spec; nothing to do\n", p.Project)
		return m, nil
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

// errOtherSpec refuses an up of a project that is up with another spec.
func errOtherSpec(project string) error {
	return usagef("project %s is already up with a different spec (another spec file, other servers named on the command line, or changed files); run `testbed -p %s down` first, or pick another --project", project, project)
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
