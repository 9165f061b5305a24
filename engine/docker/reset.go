package docker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/moby/moby/client"

	"github.com/testbed-dev/testbed/engine"
	"github.com/testbed-dev/testbed/forward/background"
	"github.com/testbed-dev/testbed/plan"
	"github.com/testbed-dev/testbed/servers/control"
	"github.com/testbed-dev/testbed/spec"
)

// Reset implements engine.Resetter: every server of a running project back
// to its seeded state, all at once. A built-in server restarts its kind
// through its control channel, on the container's own address where this
// process reaches it (a local engine) and by exec of `testbed
// control-reset` in the container elsewhere; an image or build server
// with reset: restart is restarted by the engine and awaited (recreate, the
// default, is the project core's: it removes and starts the container as
// it does a changed one; none is left alone).
func (d *Driver) Reset(ctx context.Context, project string, o engine.ResetOptions) error {
	var mu sync.Mutex
	restarted := false
	err := engine.ResetEach(ctx, project, o, d.Servers, func(ctx context.Context, s engine.Server, policy string) error {
		if policy == plan.ResetControl {
			return d.resetBuiltin(ctx, s, o.Token)
		}
		moved, err := d.restart(ctx, s, o)
		mu.Lock()
		restarted = restarted || moved
		mu.Unlock()
		return err
	})
	if err != nil {
		return err
	}
	if restarted && d.forwarderHeld(project) {
		// A restarted container may have another address: the background
		// forwarder starts again on the same host ports, dialling anew.
		return d.handOver(ctx, project)
	}
	return nil
}

// resetBuiltin resets a built-in server through its control channel.
func (d *Driver) resetBuiltin(ctx context.Context, s engine.Server, token string) error {
	if token == "" {
		return errors.New("no control token (the project's CA is missing)")
	}
	// Forwarded ports mean the container's address is reachable from
	// here (that is when testbed forwards), and saying so spares the
	// engine's Info call, which costs more than the whole reset.
	direct := s.Labels[LabelForward] != "" || d.isDirect()
	if addrs := addresses(s); direct && len(addrs) > 0 {
		addr := net.JoinHostPort(addrs[0], strconv.Itoa(control.Port))
		return control.Reset(ctx, d.controlClient(), addr, token)
	}
	var out bytes.Buffer
	code, err := d.execIn(ctx, s.Name, []string{"/testbed", "control-reset"}, &out, &out)
	if err != nil {
		return fmt.Errorf("reset by exec: %w", err)
	}
	if code != 0 {
		return fmt.Errorf("reset by exec: exit status %d: %s", code, bytes.TrimSpace(out.Bytes()))
	}
	return nil
}

// controlClient is the HTTP client of control channels: no proxy from the
// environment (the request goes to a container address), no idle pooling
// across resets that are seconds apart.
func (d *Driver) controlClient() *http.Client {
	return &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
}

// restart restarts an image or build server and waits until it passes its
// readiness probe again; moved says whether its address changed.
func (d *Driver) restart(ctx context.Context, s engine.Server, o engine.ResetOptions) (moved bool, err error) {
	cctx, cancel := context.WithTimeout(ctx, CallTimeout+10*time.Second)
	defer cancel()
	grace := 5
	if _, err := d.cli.ContainerRestart(cctx, s.Name, client.ContainerRestartOptions{Timeout: &grace}); err != nil {
		return false, fmt.Errorf("restart: %w", err)
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = spec.DefaultTimeout
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	why := ""
	for {
		now, err := d.Servers(wctx, s.Project)
		if err == nil {
			i := slices.IndexFunc(now, func(n engine.Server) bool { return n.Name == s.Name })
			if i < 0 {
				return false, errors.New("the container is gone after its restart")
			}
			moved = !slices.Equal(addresses(now[i]), addresses(s))
			ok, reason := d.Ready(wctx, now[i], o.Roots)
			if ok {
				return moved, nil
			}
			why = reason
		}
		select {
		case <-wctx.Done():
			return moved, fmt.Errorf("not ready %s after its restart: %s", timeout, why)
		case <-tick.C:
		}
	}
}

// addresses are a listed server's network addresses.
func addresses(s engine.Server) []string {
	if s.Endpoint == nil {
		return nil
	}
	return s.Endpoint.Addresses
}

// forwarderHeld reports whether a background forwarder holds the project's
// ports.
func (d *Driver) forwarderHeld(project string) bool {
	dir, err := d.forwardDir()
	return err == nil && background.Alive(dir, project)
}
