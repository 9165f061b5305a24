package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/testcontainers/testcontainers-go"
	tcnetwork "github.com/testcontainers/testcontainers-go/network"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/testbed-dev/testbed/probe"
	"github.com/testbed-dev/testbed/spec"
)

// tcPoll is testcontainers-go's default poll interval, used by its own
// strategies and by the one this harness adds for banner protocols.
const tcPoll = 100 * time.Millisecond

// tc is testcontainers-go (reaper disabled: it needs a registry) starting
// the same containers in parallel (ParallelContainers) on a network of its
// own, each with wait strategies equivalent to testbed's probes: wait.ForHTTP
// for the HTTP ports (same paths, statuses and TLS), and for the protocols
// testcontainers-go has no strategy for (banners, echo) a wait.Strategy that
// runs the same probe on the mapped port at testcontainers' poll interval.
type tc struct {
	e          *env
	net        *testcontainers.DockerNetwork
	containers []testcontainers.Container
}

func (t *tc) Name() string {
	return "testcontainers-go " + tcVersion + " (ParallelContainers with wait strategies; Terminate)"
}

const tcVersion = "v0.45.0"

func (t *tc) Up(ctx context.Context) (time.Duration, int64, error) {
	pl, err := t.e.plan(t.e.project("tc"))
	if err != nil {
		return 0, 0, err
	}
	start := time.Now()
	nw, err := tcnetwork.New(ctx, tcnetwork.WithLabels(pl.plan.Labels))
	if err != nil {
		return 0, 0, fmt.Errorf("network: %w", err)
	}
	t.net = nw
	reqs, err := t.requests(pl, nw.Name, false)
	if err != nil {
		return 0, 0, err
	}
	cs, err := testcontainers.ParallelContainers(ctx, reqs, testcontainers.ParallelContainersOptions{WorkersCount: len(reqs)})
	t.containers = cs
	if err != nil {
		return 0, 0, err
	}
	return time.Since(start), 0, nil
}

// requests are the container requests of pl on network, with
// testcontainers' reuse (a container of the same name is taken as it is)
// when reuse is set.
func (t *tc) requests(pl *planned, network string, reuse bool) (testcontainers.ParallelContainerRequest, error) {
	var reqs testcontainers.ParallelContainerRequest
	for _, s := range pl.servers {
		cfg, host := s.opts.Config, s.opts.HostConfig
		env := map[string]string{}
		for _, kv := range cfg.Env {
			k, v, _ := cutEq(kv)
			env[k] = v
		}
		var exposed []string
		for port := range cfg.ExposedPorts {
			exposed = append(exposed, port.String())
		}
		strategy, err := t.strategy(s)
		if err != nil {
			return nil, err
		}
		reqs = append(reqs, testcontainers.GenericContainerRequest{Started: true, ContainerRequest: testcontainers.ContainerRequest{
			Image: cfg.Image, Name: s.opts.Name, Cmd: cfg.Cmd, Env: env, Labels: cfg.Labels,
			ExposedPorts: exposed, Networks: []string{network}, NetworkAliases: map[string][]string{network: s.step.Aliases},
			ConfigModifier: func(c *container.Config) {
				c.Hostname, c.User = cfg.Hostname, cfg.User
			},
			HostConfigModifier: func(h *container.HostConfig) {
				h.PortBindings = host.PortBindings
				h.ReadonlyRootfs, h.CapDrop, h.CapAdd = host.ReadonlyRootfs, host.CapDrop, host.CapAdd
				h.SecurityOpt, h.Sysctls, h.Tmpfs = host.SecurityOpt, host.Sysctls, host.Tmpfs
			},
			WaitingFor: strategy,
		}, Reuse: reuse})
	}
	return reqs, nil
}

// strategy is the wait strategy equivalent to a server's readiness probe.
func (t *tc) strategy(s server) (wait.Strategy, error) {
	p := s.step.Probe
	list := []*spec.Probe{p}
	if len(p.All) > 0 {
		list = p.All
	}
	var out []wait.Strategy
	for _, c := range list {
		if h := c.HTTP; h != nil {
			status := h.Status
			ws := wait.ForHTTP(h.Path).WithPort(strconv.Itoa(h.Port) + "/tcp").WithForcedIPv4LocalHost().
				WithStatusCodeMatcher(func(got int) bool { return got == status }).WithPollInterval(tcPoll)
			if h.TLS {
				ws = ws.WithTLS(true, &tls.Config{RootCAs: t.e.ca.Pool(), ServerName: s.step.Hostname})
			}
			out = append(out, ws)
			continue
		}
		pr, err := probe.FromSpec(c, &tls.Config{RootCAs: t.e.ca.Pool(), ServerName: s.step.Hostname})
		if err != nil {
			return nil, err
		}
		out = append(out, &probeStrategy{probe: pr})
	}
	return wait.ForAll(out...).WithDeadline(s.step.Timeout), nil
}

func (t *tc) Down(ctx context.Context) (time.Duration, error) {
	start := time.Now()
	errs := make([]error, len(t.containers))
	done := make(chan struct{}, len(t.containers))
	for i, c := range t.containers {
		go func() {
			errs[i] = c.Terminate(ctx, testcontainers.StopTimeout(time.Second))
			done <- struct{}{}
		}()
	}
	for range t.containers {
		<-done
	}
	err := errors.Join(errs...)
	if t.net != nil {
		err = errors.Join(err, t.net.Remove(ctx))
	}
	t.containers, t.net = nil, nil
	return time.Since(start), err
}

// probeStrategy runs a testbed probe against the container's mapped ports
// on 127.0.0.1 every tcPoll, like testcontainers' own strategies poll.
type probeStrategy struct {
	probe probe.Probe
}

func (p *probeStrategy) WaitUntilReady(ctx context.Context, target wait.StrategyTarget) error {
	mapped := mappedTarget{ctx: ctx, target: target}
	for range 100000 { // bounded; ctx ends it first
		err := p.probe.Check(ctx, mapped)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %w (last: %v)", p.probe, ctx.Err(), err)
		case <-time.After(tcPoll):
		}
	}
	return fmt.Errorf("%s: too many tries", p.probe)
}

// mappedTarget reaches a container port at its published port on 127.0.0.1.
type mappedTarget struct {
	ctx    context.Context
	target wait.StrategyTarget
}

func (m mappedTarget) Addr(port int, proto string) (string, error) {
	p, err := m.target.MappedPort(m.ctx, strconv.Itoa(port)+"/"+proto)
	if err != nil {
		return "", err
	}
	return net.JoinHostPort("127.0.0.1", p.Port()), nil
}

func cutEq(kv string) (string, string, bool) {
	for i := 0; i < len(kv); i++ {
		if kv[i] == '=' {
			return kv[:i], kv[i+1:], true
		}
	}
	return kv, "", false
}
