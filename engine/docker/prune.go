package docker

import (
	"context"
	"errors"
	"fmt"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"

	"github.com/testbed-dev/testbed/image"
	"github.com/testbed-dev/testbed/plan"
)

// ImageReap says which images RemoveReapedImages may take.
type ImageReap struct {
	// Projects are the projects reap removed in this run: only images
	// labelled with one of them (testbed.project) are candidates.
	Projects map[string]bool
	// DryRun lists what would go; the reaped projects' containers, which a
	// dry run left in place, then count as gone.
	DryRun bool
}

// RemoveReapedImages removes the images testbed built (label
// testbed.image) for the projects in o.Projects when no container of any
// project uses them, and returns their tags. The built-in server image,
// which every project shares, is never a candidate. An image a container uses is kept; the engine
// refuses to remove one a container was created from meanwhile (no
// force). Built images are tagged per project (image.ProjectTag), so no
// other project's up can be about to use one of these.
func (d *Driver) RemoveReapedImages(ctx context.Context, o ImageReap) ([]string, error) {
	cctx, cancel := callCtx(ctx)
	defer cancel()
	imgs, err := d.cli.ImageList(cctx, client.ImageListOptions{Filters: client.Filters{}.Add("label", LabelImage)})
	if err != nil {
		return nil, fmt.Errorf("list images: %w", err)
	}
	cs, err := d.cli.ContainerList(cctx, client.ContainerListOptions{All: true})
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	used := map[string]bool{}
	for _, c := range cs.Items {
		if o.DryRun && o.Projects[c.Labels[plan.LabelProject]] {
			continue // a real run removes it first
		}
		used[c.ImageID] = true
	}
	var removed []string
	var errs []error
	for _, im := range imgs.Items {
		p := im.Labels[plan.LabelProject]
		if used[im.ID] || p == "" || !o.Projects[p] || im.Labels[LabelImage] == image.BuiltinName {
			continue
		}
		name := im.ID
		if len(im.RepoTags) > 0 {
			name = im.RepoTags[0]
		}
		if o.DryRun {
			removed = append(removed, name)
			continue
		}
		_, err := d.cli.ImageRemove(cctx, im.ID, client.ImageRemoveOptions{PruneChildren: true})
		switch {
		case err == nil:
			removed = append(removed, name)
		case cerrdefs.IsNotFound(err), cerrdefs.IsConflict(err):
			// Gone already, or in use by a container made meanwhile.
		default:
			errs = append(errs, fmt.Errorf("remove image %s: %w", name, err))
		}
	}
	return removed, errors.Join(errs...)
}
