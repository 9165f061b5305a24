package docker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"

	"github.com/testbed-dev/testbed/lifecycle"
)

// Remove force-removes the project's containers (built-in servers hold no
// state, so nothing is stopped gracefully), then its volumes and network,
// and with Images the testbed-built images its containers ran. Resources are
// found by label only; not-found answers are ignored, other errors joined.
func (d *Driver) Remove(ctx context.Context, o lifecycle.RemoveOptions) error {
	filter := projectFilter(o.Project, o.Owner)
	cctx, cancel := callCtx(ctx)
	list, err := d.cli.ContainerList(cctx, client.ContainerListOptions{All: true, Filters: filter})
	cancel()
	if err != nil {
		return fmt.Errorf("list containers: %w", err)
	}
	var (
		mu     sync.Mutex
		errs   []error
		images = map[string]bool{}
		wg     sync.WaitGroup
	)
	for _, c := range list.Items {
		if strings.HasPrefix(c.Image, "testbed/") {
			images[c.Image] = true
		}
		wg.Add(1)
		go func(id string) {
			defer wg.Done()
			cctx, cancel := callCtx(ctx)
			defer cancel()
			_, err := d.cli.ContainerRemove(cctx, id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
			if err != nil && !cerrdefs.IsNotFound(err) && !isRemovalInProgress(err) {
				mu.Lock()
				errs = append(errs, fmt.Errorf("remove container %s: %w", id[:12], err))
				mu.Unlock()
			}
		}(c.ID)
	}
	wg.Wait()
	errs = append(errs, d.removeVolumes(ctx, filter), d.removeNetworks(ctx, filter))
	if o.Images {
		errs = append(errs, d.removeImages(ctx, o.Project, images))
	}
	return errors.Join(errs...)
}

func isRemovalInProgress(err error) bool {
	return cerrdefs.IsConflict(err) && strings.Contains(err.Error(), "already in progress")
}

func (d *Driver) removeVolumes(ctx context.Context, filter client.Filters) error {
	cctx, cancel := callCtx(ctx)
	defer cancel()
	list, err := d.cli.VolumeList(cctx, client.VolumeListOptions{Filters: filter})
	if err != nil {
		return fmt.Errorf("list volumes: %w", err)
	}
	var errs []error
	for _, v := range list.Items {
		if _, err := d.cli.VolumeRemove(cctx, v.Name, client.VolumeRemoveOptions{Force: true}); err != nil && !cerrdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("remove volume %s: %w", v.Name, err))
		}
	}
	return errors.Join(errs...)
}

func (d *Driver) removeNetworks(ctx context.Context, filter client.Filters) error {
	cctx, cancel := callCtx(ctx)
	defer cancel()
	list, err := d.cli.NetworkList(cctx, client.NetworkListOptions{Filters: filter})
	if err != nil {
		return fmt.Errorf("list networks: %w", err)
	}
	var errs []error
	for _, n := range list.Items {
		if _, err := d.cli.NetworkRemove(cctx, n.ID, client.NetworkRemoveOptions{}); err != nil && !cerrdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("remove network %s: %w", n.Name, err))
		}
	}
	return errors.Join(errs...)
}

// removeImages removes the images the project's containers ran and those
// built for it; an image another project still uses is left (the engine
// refuses, and that is not an error).
func (d *Driver) removeImages(ctx context.Context, project string, refs map[string]bool) error {
	cctx, cancel := callCtx(ctx)
	defer cancel()
	if project != "" {
		list, err := d.cli.ImageList(cctx, client.ImageListOptions{Filters: client.Filters{}.Add("label", "testbed.project="+project)})
		if err != nil {
			return fmt.Errorf("list images: %w", err)
		}
		for _, img := range list.Items {
			for _, t := range img.RepoTags {
				refs[t] = true
			}
		}
	}
	var errs []error
	for ref := range refs {
		_, err := d.cli.ImageRemove(cctx, ref, client.ImageRemoveOptions{PruneChildren: true})
		if err != nil && !cerrdefs.IsNotFound(err) && !cerrdefs.IsConflict(err) {
			errs = append(errs, fmt.Errorf("remove image %s: %w", ref, err))
		}
	}
	return errors.Join(errs...)
}

// RemoveServers force-removes the containers of the named servers only.
func (d *Driver) RemoveServers(ctx context.Context, project string, servers []string) error {
	var errs []error
	for _, s := range servers {
		c, err := d.Find(ctx, project, s)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		cctx, cancel := callCtx(ctx)
		_, err = d.cli.ContainerRemove(cctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
		cancel()
		if err != nil && !cerrdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("remove %s: %w", c.Name, err))
		}
	}
	return errors.Join(errs...)
}
