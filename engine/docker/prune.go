package docker

import (
	"context"
	"errors"
	"fmt"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"
)

// RemoveUnusedImages removes the images testbed built (label
// testbed.image) that no container uses, and returns their tags. Every
// change of testbed's binary or of a spec makes a new content-hash tag, so
// old ones pile up; an image in use is never touched.
func (d *Driver) RemoveUnusedImages(ctx context.Context, dryRun bool) ([]string, error) {
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
		used[c.ImageID] = true
	}
	var removed []string
	var errs []error
	for _, im := range imgs.Items {
		if used[im.ID] {
			continue
		}
		name := im.ID
		if len(im.RepoTags) > 0 {
			name = im.RepoTags[0]
		}
		if dryRun {
			removed = append(removed, name)
			continue
		}
		_, err := d.cli.ImageRemove(cctx, im.ID, client.ImageRemoveOptions{Force: true, PruneChildren: true})
		switch {
		case err == nil:
			removed = append(removed, name)
		case cerrdefs.IsNotFound(err), cerrdefs.IsConflict(err):
		default:
			errs = append(errs, fmt.Errorf("remove image %s: %w", name, err))
		}
	}
	return removed, errors.Join(errs...)
}
