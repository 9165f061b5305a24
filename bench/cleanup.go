package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/moby/moby/client"

	"github.com/testbed-dev/testbed/plan"
)

// cleanup removes what this run made and nothing else: containers and
// networks labelled with this run, and those of this run's testbed
// projects (whose names carry the run id).
func (e *env) cleanup(ctx context.Context) error {
	filters := []client.Filters{client.Filters{}.Add("label", LabelRun+"="+e.runID)}
	for _, m := range []string{"testbed", "build", "calls"} {
		filters = append(filters, client.Filters{}.Add("label", plan.LabelProject+"="+e.project(m)))
	}
	var errs []error
	for _, f := range filters {
		list, err := e.api.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, c := range list.Items {
			if _, err := e.api.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true}); err != nil {
				errs = append(errs, fmt.Errorf("remove container %s: %w", c.ID[:12], err))
			}
		}
	}
	for _, f := range filters {
		nets, err := e.api.NetworkList(ctx, client.NetworkListOptions{Filters: f})
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, n := range nets.Items {
			if _, err := e.api.NetworkRemove(ctx, n.ID, client.NetworkRemoveOptions{}); err != nil {
				errs = append(errs, fmt.Errorf("remove network %s: %w", n.Name, err))
			}
		}
	}
	return errors.Join(errs...)
}
