package docker

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"

	"github.com/testbed-dev/testbed/lifecycle"
	"github.com/testbed-dev/testbed/plan"
)

// Remove force-removes the project's containers (built-in servers hold no
// state, so nothing is stopped gracefully), then its volumes and network,
// and with Images the testbed-built images its containers ran. Resources are
// found by label only; not-found answers are ignored, other errors joined.
//
// A whole project's kept marker goes first: a down killed at any later
// point leaves a project that is not kept and whose owner is gone, which
// reap finishes. With Servers, only those servers' containers go.
func (d *Driver) Remove(ctx context.Context, o lifecycle.RemoveOptions) error {
	if len(o.Servers) > 0 {
		return d.removeServers(ctx, o.Project, o.Servers)
	}
	defer d.fwd.close(o.Project, nil) // every forwarder here is this run's
	if o.Owner == "" {
		defer d.stopForwarder(o.Project)
	}
	filter := projectFilter(o.Project, o.Owner)
	if o.Owner == "" {
		if err := d.removeVolumes(ctx, filter.Clone().Add("label", LabelKept+"=true")); err != nil {
			return err
		}
	}
	cctx, cancel := callCtx(ctx)
	list, err := d.cli.ContainerList(cctx, client.ContainerListOptions{All: true, Filters: filter})
	cancel()
	if err != nil {
		return fmt.Errorf("list containers: %w", err)
	}
	images := map[string]string{} // image ID -> how to name it
	ids := make([]string, 0, len(list.Items))
	for _, c := range list.Items {
		if strings.HasPrefix(c.Image, "testbed/") && c.ImageID != "" {
			images[c.ImageID] = c.Image
		}
		ids = append(ids, c.ID)
	}
	errs := []error{d.removeContainers(ctx, ids), d.removeVolumes(ctx, filter), d.removeNetworks(ctx, filter)}
	if o.Images {
		errs = append(errs, d.removeImages(ctx, o.Project, images, o.Removed))
	}
	return errors.Join(errs...)
}

// removeContainers force-removes containers (by id or name) in parallel;
// one already gone or being removed is not an error.
func (d *Driver) removeContainers(ctx context.Context, refs []string) error {
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
	)
	for _, ref := range refs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cctx, cancel := callCtx(ctx)
			defer cancel()
			_, err := d.cli.ContainerRemove(cctx, ref, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
			if err != nil && !cerrdefs.IsNotFound(err) && !isRemovalInProgress(err) {
				mu.Lock()
				errs = append(errs, fmt.Errorf("remove container %s: %w", shortID(ref), err))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// shortID is a container id as the docker CLI shows it; a name is left whole.
func shortID(ref string) string {
	if len(ref) == 64 {
		return ref[:12]
	}
	return ref
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
		if err := d.removeNetwork(cctx, n.ID); err != nil && !cerrdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("remove network %s: %w", n.Name, err))
		}
	}
	return errors.Join(errs...)
}

// NetworkDetachWait bounds how long removeNetwork waits for the engine to
// let go of the endpoints of containers it is still removing.
const NetworkDetachWait = 10 * time.Second

// removeNetwork removes a network, waiting (bounded) while the engine
// still holds endpoints of removed containers: a removal that an earlier,
// killed run asked for goes on in the engine after its client is gone, and
// its container leaves the list before it leaves the network.
func (d *Driver) removeNetwork(ctx context.Context, id string) error {
	deadline := time.Now().Add(NetworkDetachWait)
	wait := 50 * time.Millisecond
	for {
		_, err := d.cli.NetworkRemove(ctx, id, client.NetworkRemoveOptions{})
		if err == nil || !strings.Contains(err.Error(), "active endpoints") || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait = min(2*wait, 500*time.Millisecond)
	}
}

// removeImages removes the images the project's containers ran and those
// labelled with the project (untagged ones too), by ID, each call with its
// own deadline; an image another project still uses is left (the engine
// refuses, and that is not an error). removed, when set, is told each one
// removed.
func (d *Driver) removeImages(ctx context.Context, project string, images map[string]string, removed func(string)) error {
	if project != "" {
		cctx, cancel := callCtx(ctx)
		list, err := d.cli.ImageList(cctx, client.ImageListOptions{All: true, Filters: client.Filters{}.Add("label", plan.LabelProject+"="+project)})
		cancel()
		if err != nil {
			return fmt.Errorf("list images: %w", err)
		}
		for _, img := range list.Items {
			images[img.ID] = imageName(img.ID, img.RepoTags)
		}
	}
	ids := make([]string, 0, len(images))
	for id := range images {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var errs []error
	for _, id := range ids {
		cctx, cancel := callCtx(ctx)
		_, err := d.cli.ImageRemove(cctx, id, client.ImageRemoveOptions{PruneChildren: true})
		cancel()
		switch {
		case err == nil:
			if removed != nil {
				removed(images[id])
			}
		case cerrdefs.IsNotFound(err), cerrdefs.IsConflict(err):
		default:
			errs = append(errs, fmt.Errorf("remove image %s: %w", images[id], err))
		}
	}
	return errors.Join(errs...)
}

// imageName is how an image is named to a person: its first tag, else its
// short ID marked untagged.
func imageName(id string, tags []string) string {
	for _, t := range tags {
		if t != "<none>:<none>" {
			return t
		}
	}
	short := strings.TrimPrefix(id, "sha256:")
	if len(short) > 12 {
		short = short[:12]
	}
	return "untagged " + short
}

// removeServers force-removes the containers of the named servers only,
// found with one list of the project's containers.
func (d *Driver) removeServers(ctx context.Context, project string, servers []string) error {
	list, err := d.List(ctx, project)
	if err != nil {
		return err
	}
	byServer := map[string]string{}
	for _, c := range list {
		byServer[c.Server] = c.Name
	}
	var errs []error
	var names []string
	for _, s := range servers {
		if name, ok := byServer[s]; ok {
			names = append(names, name)
		} else {
			errs = append(errs, errNoServer(project, s))
		}
	}
	defer d.fwd.close(project, names)
	return errors.Join(append(errs, d.removeContainers(ctx, names))...)
}
