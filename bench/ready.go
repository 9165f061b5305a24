package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"

	"github.com/moby/moby/client"

	"github.com/testbed-dev/testbed/probe"
)

// ipTarget is a server reached at its container address, the way testbed's
// probes reach servers on a local engine.
type ipTarget string

func (t ipTarget) Addr(port int, _ string) (string, error) {
	return net.JoinHostPort(string(t), strconv.Itoa(port)), nil
}

// containerIP asks the engine for a container's address on its network.
func containerIP(ctx context.Context, api *client.Client, id string) (string, error) {
	res, err := api.ContainerInspect(ctx, id, client.ContainerInspectOptions{})
	if err != nil {
		return "", err
	}
	if ns := res.Container.NetworkSettings; ns != nil {
		for _, ep := range ns.Networks {
			if ep != nil && ep.IPAddress.IsValid() {
				return ep.IPAddress.String(), nil
			}
		}
	}
	return "", fmt.Errorf("container %s has no network address", id)
}

// awaitServer waits until a server passes the readiness probe testbed uses
// for it (its kind's Ready probe), with testbed's polling schedule.
func (e *env) awaitServer(ctx context.Context, s server, ip string) error {
	pr, err := probe.FromSpec(s.step.Probe, &tls.Config{RootCAs: e.ca.Pool(), ServerName: s.step.Hostname})
	if err != nil {
		return err
	}
	_, err = probe.Wait(ctx, pr, ipTarget(ip), probe.WaitOptions{Timeout: s.step.Timeout})
	if err != nil {
		return fmt.Errorf("%s: %w", s.step.Server.Name, err)
	}
	return nil
}

// awaitAll inspects every container for its address and waits for all
// servers at once.
func (e *env) awaitAll(ctx context.Context, pl *planned, ids map[string]string) error {
	var wg sync.WaitGroup
	errs := make([]error, len(pl.servers))
	for i, s := range pl.servers {
		wg.Go(func() {
			id, ok := ids[s.step.Server.Name]
			if !ok {
				errs[i] = fmt.Errorf("%s: no container", s.step.Server.Name)
				return
			}
			ip, err := containerIP(ctx, e.api, id)
			if err != nil {
				errs[i] = err
				return
			}
			errs[i] = e.awaitServer(ctx, s, ip)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
