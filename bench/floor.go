package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/moby/moby/client"
)

// floor is the engine's own cost: one network, then every container
// created and started in parallel straight through the API, with no
// readiness check, no inspect, nothing else.
type floor struct {
	e   *env
	pl  *planned
	ids []string
}

func (f *floor) Name() string {
	return "floor (engine API: network, then every create+start in parallel, no readiness; rm -f all)"
}

func (f *floor) Up(ctx context.Context) (time.Duration, int64, error) {
	pl, err := f.e.plan(f.e.project("floor"))
	if err != nil {
		return 0, 0, err
	}
	f.pl, f.ids = pl, make([]string, len(pl.servers))
	start := time.Now()
	if _, err := f.e.api.NetworkCreate(ctx, pl.plan.Network, client.NetworkCreateOptions{Driver: "bridge", Labels: pl.plan.Labels}); err != nil {
		return 0, 0, fmt.Errorf("create network: %w", err)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(pl.servers))
	for i, s := range pl.servers {
		wg.Go(func() {
			c, err := f.e.api.ContainerCreate(ctx, s.opts)
			if err != nil {
				errs[i] = fmt.Errorf("create %s: %w", s.opts.Name, err)
				return
			}
			f.ids[i] = c.ID
			if _, err := f.e.api.ContainerStart(ctx, c.ID, client.ContainerStartOptions{}); err != nil {
				errs[i] = fmt.Errorf("start %s: %w", s.opts.Name, err)
			}
		})
	}
	wg.Wait()
	return time.Since(start), 0, errors.Join(errs...)
}

// Down is the floor of removal: every container force-removed in
// parallel, then the network.
func (f *floor) Down(ctx context.Context) (time.Duration, error) {
	start := time.Now()
	err := removeParallel(ctx, f.e.api, f.ids)
	if _, nerr := f.e.api.NetworkRemove(ctx, f.pl.plan.Network, client.NetworkRemoveOptions{}); nerr != nil {
		err = errors.Join(err, fmt.Errorf("remove network: %w", nerr))
	}
	return time.Since(start), err
}

// removeParallel force-removes containers at once.
func removeParallel(ctx context.Context, api *client.Client, ids []string) error {
	var wg sync.WaitGroup
	errs := make([]error, len(ids))
	for i, id := range ids {
		if id == "" {
			continue
		}
		wg.Go(func() {
			if _, err := api.ContainerRemove(ctx, id, client.ContainerRemoveOptions{Force: true}); err != nil {
				errs[i] = fmt.Errorf("remove %s: %w", id[:12], err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
