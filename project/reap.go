package project

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"time"

	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/engine"
	"github.com/testbed-dev/testbed/owner"
)

// ReapOptions tune Reap.
type ReapOptions struct {
	DryRun bool
	// OlderThan also takes projects whose owner nothing here can judge
	// (another host) once they are older than this; 0 never.
	OlderThan time.Duration
	// Projects limits Reap to these projects; none is every project.
	Projects []string
}

// Reaped is one project Reap removed (or would).
type Reaped struct {
	Project string
	Why     string
	// Resources are what the driver held of it; Dirs its state
	// directories (the CA's private key with them), all removed (or, with
	// DryRun, that would be).
	Resources []engine.Resource
	Dirs      []string
}

// Reap removes every project whose runs are all gone and that was not left
// up on purpose. For each candidate it takes the project's lock (a held
// lock is a live run), then judges each owner (owner.Owner.Judge), and
// removes the project while it holds the lock, so no up can start it anew
// in between.
func (c *Core) Reap(ctx context.Context, o ReapOptions) ([]Reaped, error) {
	names, err := c.reapCandidates(ctx, o.Projects)
	if err != nil {
		return nil, err
	}
	var out []Reaped
	var errs []error
	for _, project := range names {
		lock, err := lockWaitingForReap(ctx, c.lockPath(project), roleReap)
		if err != nil {
			continue // a live run holds it (or it cannot be told): spared
		}
		// Read again under the lock: the first listing may be from before
		// an up that has since finished, kept the project and let go of
		// the lock, and its marker must spare the project.
		res, err := c.drv.Resources(ctx, project)
		if err != nil {
			lock.Unlock(false)
			errs = append(errs, fmt.Errorf("reap %s: %w", project, err))
			continue
		}
		if len(res) == 0 || slicesContainsKept(res) {
			lock.Unlock(false)
			continue
		}
		why, dead := c.deadProject(res, lock.Ident(), o.OlderThan)
		if !dead {
			lock.Unlock(false)
			continue
		}
		dirs := c.reapDirs(project)
		out = append(out, Reaped{Project: project, Why: why, Resources: res, Dirs: dirs})
		if o.DryRun {
			lock.Unlock(false)
			continue
		}
		err = c.drv.Remove(ctx, engine.RemoveOptions{Project: project})
		if err == nil {
			err = removeDirs(dirs)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("reap %s: %w", project, err))
		}
		lock.Unlock(err == nil)
	}
	return out, errors.Join(errs...)
}

// reapCandidates are the projects Reap looks at, sorted: those of only
// (every project the driver holds anything of when none) that hold
// something and are not marked kept. Each is judged again under its lock.
func (c *Core) reapCandidates(ctx context.Context, only []string) ([]string, error) {
	var res []engine.Resource
	if len(only) == 0 {
		all, err := c.drv.Resources(ctx, "")
		if err != nil {
			return nil, err
		}
		res = all
	}
	for _, p := range only {
		of, err := c.drv.Resources(ctx, p)
		if err != nil {
			return nil, err
		}
		res = append(res, of...)
	}
	byProject := map[string][]engine.Resource{}
	for _, r := range res {
		byProject[r.Project] = append(byProject[r.Project], r)
	}
	var names []string
	for n, of := range byProject {
		if !slicesContainsKept(of) {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names, nil
}

// reapDirs are the state directories a reaped project has: under the
// state directory this core was given, and under the default one, which
// a run that was given none used.
func (c *Core) reapDirs(project string) []string {
	var dirs []string
	for _, base := range []string{c.o.StateDir, ""} {
		dir, err := endpoints.StateDir(base, project)
		if err != nil || slices.Contains(dirs, dir) {
			continue
		}
		if _, err := os.Stat(dir); err == nil {
			dirs = append(dirs, dir)
		}
	}
	return dirs
}

// removeDirs removes reaped projects' state directories.
func removeDirs(dirs []string) error {
	var errs []error
	for _, d := range dirs {
		if err := os.RemoveAll(d); err != nil {
			errs = append(errs, fmt.Errorf("remove state %s: %w", d, err))
		}
	}
	return errors.Join(errs...)
}

// deadProject decides whether a project's resources all belong to runs
// that are gone, and says why.
func (c *Core) deadProject(res []engine.Resource, heldLock string, olderThan time.Duration) (string, bool) {
	why := ""
	for _, r := range res {
		if r.Kept {
			return "", false
		}
		if r.Alive != nil {
			if *r.Alive {
				return "", false
			}
			why = fmt.Sprintf("%s driver: %s (%s) is gone", c.drv.Name(), r.Name, r.Owner)
			continue
		}
		o, err := owner.Parse(r.Owner)
		if err != nil {
			return "", false // not an owner testbed wrote: never taken
		}
		alive, known, reason := o.Judge(heldLock)
		switch {
		case !alive:
			why = reason
		case !known && olderThan > 0 && !r.Created.IsZero() && time.Since(r.Created) > olderThan:
			why = fmt.Sprintf("made on host %s %s ago (older than %s)", o.Host, time.Since(r.Created).Round(time.Second), olderThan)
		default:
			return "", false
		}
	}
	return why, why != ""
}

func slicesContainsKept(res []engine.Resource) bool {
	for _, r := range res {
		if r.Kept {
			return true
		}
	}
	return false
}
