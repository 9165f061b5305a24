package project

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/testbed-dev/testbed/engine"
	"github.com/testbed-dev/testbed/owner"
	"github.com/testbed-dev/testbed/servers/testca"
)

// MaxReused is how many reusable projects of one spec UpReused makes at
// most: as many users can hold one at once.
const MaxReused = 16

// ReusePrefix starts the name of every reusable project.
const ReusePrefix = "reuse-"

// reset resets the project's running servers (engine.Resetter).
func (c *Core) reset(ctx context.Context, project string, running []engine.Server, ca *testca.CA, o UpOptions) error {
	rs, ok := c.drv.(engine.Resetter)
	if !ok {
		return usagef("project %s: the %s driver cannot reset servers; drop --reuse", project, c.drv.Name())
	}
	began := time.Now()
	if err := rs.Reset(ctx, project, engine.ResetOptions{Token: engine.ControlToken(ca), Roots: ca.Pool(), Timeout: o.Timeout, Servers: running}); err != nil {
		return fmt.Errorf("project %s: reset to the seeded state: %w", project, err)
	}
	c.o.Notef("project %s: reset to the seeded state in %s", project, time.Since(began).Round(time.Millisecond))
	return nil
}

// ReuseKey names the spec's reusable projects: its content hash (as
// planned with or without bind-local), planned under a fixed project name
// so that it does not depend on s.Project.
func (c *Core) ReuseKey(s *Spec, bindLocal bool) (string, error) {
	canon := *s
	canon.Project = ReusePrefix + "key"
	p, err := c.Plan(&canon, bindLocal, "")
	if err != nil {
		return "", err
	}
	return p.SpecHash[:12], nil
}

// UpReused brings up a reusable project of s and leases it to the caller
// until Running.Close: the first of reuse-KEY-1, reuse-KEY-2, ... that no
// other user holds (a lock that the system releases when its holder dies),
// where KEY is the spec's content hash. A project that is up already is
// reset to its seeded state; one that is not (or changed) is brought up.
// Reusable projects are kept: they outlive the caller for the next one,
// until `testbed down` (or `testbed down --reused`). s.Project is ignored.
func (c *Core) UpReused(ctx context.Context, s *Spec, o UpOptions) (*Running, error) {
	key, err := c.ReuseKey(s, o.BindLocal)
	if err != nil {
		return nil, err
	}
	o.Keep, o.Reuse, o.Dir = true, true, ""
	for n := 1; n <= MaxReused; n++ {
		name := fmt.Sprintf("%s%s-%d", ReusePrefix, key, n)
		lease, err := owner.TryLockAs(c.leasePath(name), "reuse")
		if errors.Is(err, owner.ErrLocked) {
			continue // another user holds it
		}
		if err != nil {
			return nil, fmt.Errorf("project %s: lease: %w", name, err)
		}
		mine := *s
		mine.Project = name
		r, err := c.Up(ctx, &mine, o)
		if err != nil {
			lease.Unlock(false)
			return nil, err
		}
		r.lease = lease
		return r, nil
	}
	return nil, fmt.Errorf("all %d reusable projects of this spec (%s%s-*) are in use", MaxReused, ReusePrefix, key)
}

// leasePath is the lock a reused project's user holds.
func (c *Core) leasePath(project string) string {
	return filepath.Join(filepath.Dir(c.lockPath(project)), project+".lease")
}

// DownReused takes down the reusable projects (UpReused) of the spec whose
// ReuseKey is key, or of every spec when key is "", that nobody holds now;
// inUse are those a live user leases, left alone.
func (c *Core) DownReused(ctx context.Context, key string, o DownOptions) (down, inUse []string, err error) {
	res, err := c.drv.Resources(ctx, "")
	if err != nil {
		return nil, nil, err
	}
	seen := map[string]bool{}
	for _, r := range res {
		name := r.Project
		if !strings.HasPrefix(name, ReusePrefix+key) || seen[name] {
			continue
		}
		seen[name] = true
		lease, err := owner.TryLockAs(c.leasePath(name), "down")
		if errors.Is(err, owner.ErrLocked) {
			inUse = append(inUse, name)
			continue
		}
		if err != nil {
			return down, inUse, fmt.Errorf("project %s: lease: %w", name, err)
		}
		err = c.Down(ctx, name, o)
		lease.Unlock(true)
		if err != nil {
			return down, inUse, err
		}
		down = append(down, name)
	}
	sort.Strings(down)
	sort.Strings(inUse)
	return down, inUse, nil
}
