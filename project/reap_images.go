package project

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"

	"github.com/testbed-dev/testbed/engine/docker"
	"github.com/testbed-dev/testbed/owner"
)

// imageReaper is a driver that has images (docker).
type imageReaper interface {
	RemoveReapedImages(ctx context.Context, o docker.ImageReap) ([]string, error)
}

// ReapImages removes the images testbed built for the projects that a
// Reap of this run took (reaped), where the driver has images (reap
// --images), and returns their tags. It never takes another project's
// image, nor one any container uses, nor one an up in flight may use:
// while any project's lock on this host is held by a run (an up, down or
// reap; a library test or `run` for its whole life), nothing is removed
// (built images are tagged per project, so this is caution, not need). The built-in
// server image is never removed: every up of every project uses it, and
// ups of other hosts or containers that share the engine hold locks this
// host cannot see; it is one image per testbed version (`docker image rm`
// the last project that uses it takes it with `down --rmi` or `clean`).
func (c *Core) ReapImages(ctx context.Context, reaped []Reaped, dryRun bool) ([]string, error) {
	r, ok := c.drv.(imageReaper)
	if !ok {
		return nil, nil
	}
	busy, err := c.lockHeld()
	if err != nil || busy != "" {
		if busy != "" {
			c.o.Notef("reap --images: project %s is being worked on by another run; no image is removed now", busy)
		}
		return nil, err
	}
	projects := map[string]bool{}
	for _, p := range reaped {
		projects[p.Project] = true
	}
	return r.RemoveReapedImages(ctx, docker.ImageReap{Projects: projects, DryRun: dryRun})
}

// lockHeld names a project whose lock another run holds now ("" when
// none): it tries each lock file of the lock directory and lets go.
func (c *Core) lockHeld() (string, error) {
	dir := filepath.Dir(c.lockPath("x"))
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".lock")
		if !ok || e.IsDir() {
			continue
		}
		l, err := owner.TryLockAs(filepath.Join(dir, e.Name()), roleReap)
		if err != nil {
			var le *owner.LockedError
			if errors.As(err, &le) {
				return name, nil
			}
			return "", err
		}
		l.Unlock(false)
	}
	return "", nil
}
