package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/moby/moby/client"
)

// sequential is the old one-server-at-a-time script's way, through the API:
// for each server in turn create, start, inspect, wait until ready; down
// removes them one by one (`docker rm -f` each).
type sequential struct {
	e   *env
	pl  *planned
	ids []string
}

func (s *sequential) Name() string {
	return "sequential (the old script: create, start, wait one by one; rm -f each)"
}

func (s *sequential) Up(ctx context.Context) (time.Duration, int64, error) {
	pl, err := s.e.plan(s.e.project("seq"))
	if err != nil {
		return 0, 0, err
	}
	s.pl, s.ids = pl, nil
	start := time.Now()
	if _, err := s.e.api.NetworkCreate(ctx, pl.plan.Network, client.NetworkCreateOptions{Driver: "bridge", Labels: pl.plan.Labels}); err != nil {
		return 0, 0, fmt.Errorf("create network: %w", err)
	}
	for _, srv := range pl.servers {
		c, err := s.e.api.ContainerCreate(ctx, srv.opts)
		if err != nil {
			return 0, 0, fmt.Errorf("create %s: %w", srv.opts.Name, err)
		}
		s.ids = append(s.ids, c.ID)
		if _, err := s.e.api.ContainerStart(ctx, c.ID, client.ContainerStartOptions{}); err != nil {
			return 0, 0, fmt.Errorf("start %s: %w", srv.opts.Name, err)
		}
		ip, err := containerIP(ctx, s.e.api, c.ID)
		if err != nil {
			return 0, 0, err
		}
		if err := s.e.awaitServer(ctx, srv, ip); err != nil {
			return 0, 0, err
		}
	}
	return time.Since(start), 0, nil
}

func (s *sequential) Down(ctx context.Context) (time.Duration, error) {
	start := time.Now()
	var errs []error
	for _, id := range s.ids {
		if _, err := s.e.api.ContainerRemove(ctx, id, client.ContainerRemoveOptions{Force: true}); err != nil {
			errs = append(errs, err)
		}
	}
	if s.pl != nil {
		if _, err := s.e.api.NetworkRemove(ctx, s.pl.plan.Network, client.NetworkRemoveOptions{}); err != nil {
			errs = append(errs, err)
		}
	}
	return time.Since(start), errors.Join(errs...)
}
