package docker

import (
	"context"
	"fmt"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"

	"github.com/testbed-dev/testbed/plan"
)

// ErrProjectExists means the project's network is already there: another
// run holds the project (or a crashed one left it; `testbed reap` or
// `testbed down` clears it).
type ErrProjectExists struct{ Project string }

func (e *ErrProjectExists) Error() string {
	return fmt.Sprintf("project %s is already up on this engine (run `testbed down -p %s` first, or pick another --project)", e.Project, e.Project)
}

// createNetwork makes the project's network, or finds it there: the
// project core holds the project's lock, so a network labelled with the
// project is this project's, left by an earlier up whose servers stay. A
// network of that name that is not the project's is refused.
func (d *Driver) createNetwork(ctx context.Context, p *plan.Plan) error {
	// Not cancelled with ctx, like container creates: a rollback must see it.
	cctx, cancel := callCtx(context.WithoutCancel(ctx))
	defer cancel()
	list, err := d.cli.NetworkList(cctx, client.NetworkListOptions{Filters: client.Filters{}.Add("name", p.Network)})
	if err != nil {
		return fmt.Errorf("list networks: %w", err)
	}
	for _, n := range list.Items {
		if n.Name != p.Network {
			continue // the name filter matches substrings
		}
		if n.Labels[plan.LabelProject] != p.Project {
			return fmt.Errorf("network %s exists and is not testbed project %s's; remove it or pick another --project", p.Network, p.Project)
		}
		return nil
	}
	_, err = d.cli.NetworkCreate(cctx, p.Network, client.NetworkCreateOptions{
		Driver: "bridge",
		Labels: p.Labels,
	})
	if cerrdefs.IsConflict(err) {
		return &ErrProjectExists{Project: p.Project}
	}
	if err != nil {
		return fmt.Errorf("create network %s: %w", p.Network, err)
	}
	return nil
}
