package docker

import (
	"context"
	"fmt"
	"time"

	"github.com/moby/moby/client"

	"github.com/testbed-dev/testbed/plan"
)

// Resource is one labelled container, network or volume, as reap sees it.
type Resource struct {
	Kind     string // "container", "network", "volume"
	Name     string
	Project  string
	Owner    string
	SpecHash string
	Created  time.Time // zero when the engine does not say
	// Kept: the project's marker that it was left up on purpose (see
	// [Driver.Keep]); read from volumes only.
	Kept bool
}

// Resources lists the testbed-labelled containers, networks and volumes of
// a project ("" = every project) on the engine, so that a run that died
// after creating only its network is found as surely as one that died with
// containers running.
func (d *Driver) resources(ctx context.Context, project string) ([]Resource, error) {
	cctx, cancel := callCtx(ctx)
	defer cancel()
	f := projectFilter(project, "")
	var out []Resource
	add := func(kind, name string, labels map[string]string, created time.Time) {
		out = append(out, Resource{Kind: kind, Name: name, Project: labels[plan.LabelProject], Owner: labels[plan.LabelOwner],
			SpecHash: labels[plan.LabelSpecHash], Created: created, Kept: kind == "volume" && labels[LabelKept] == "true"})
	}
	cs, err := d.cli.ContainerList(cctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	for _, c := range cs.Items {
		add("container", c.ID[:12], c.Labels, time.Unix(c.Created, 0))
	}
	ns, err := d.cli.NetworkList(cctx, client.NetworkListOptions{Filters: f})
	if err != nil {
		return nil, fmt.Errorf("list networks: %w", err)
	}
	for _, n := range ns.Items {
		add("network", n.Name, n.Labels, n.Created)
	}
	vs, err := d.cli.VolumeList(cctx, client.VolumeListOptions{Filters: f})
	if err != nil {
		return nil, fmt.Errorf("list volumes: %w", err)
	}
	for _, v := range vs.Items {
		created, _ := time.Parse(time.RFC3339Nano, v.CreatedAt)
		add("volume", v.Name, v.Labels, created)
	}
	return out, nil
}
