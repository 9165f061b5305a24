package docker

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/plan"
	"github.com/testbed-dev/testbed/probe"
)

// instance is a running container as lifecycle and probes see it.
type instance struct {
	d  *Driver
	st *plan.Step
	id string

	mu    sync.Mutex
	ports map[string]string // "80/tcp" -> "127.0.0.1:49153"
	addrs []string          // addresses on the project network

	exited    chan struct{}
	code      int
	stopWatch context.CancelFunc
}

var (
	_ probe.Target         = (*instance)(nil)
	_ probe.Execer         = (*instance)(nil)
	_ probe.LogReader      = (*instance)(nil)
	_ probe.HealthReporter = (*instance)(nil)
	_ probe.ExitReporter   = (*instance)(nil)
	_ probe.DirectReporter = (*instance)(nil)
)

func newInstance(d *Driver, st *plan.Step, id string) *instance {
	return &instance{d: d, st: st, id: id, exited: make(chan struct{}), ports: map[string]string{}}
}

// watchExit closes i.exited when the container stops, until ctx ends.
func (i *instance) watchExit(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	i.stopWatch = cancel
	w := i.d.cli.ContainerWait(ctx, i.id, client.ContainerWaitOptions{Condition: container.WaitConditionNextExit})
	go func() {
		select {
		case r := <-w.Result:
			i.mu.Lock()
			i.code = int(r.StatusCode)
			i.mu.Unlock()
			close(i.exited)
		case <-w.Error:
		case <-ctx.Done():
		}
	}()
}

func (i *instance) stopWatching() {
	if i.stopWatch != nil {
		i.stopWatch()
	}
}

// inspect reads the published ports and network addresses.
func (i *instance) inspect(ctx context.Context) error {
	cctx, cancel := callCtx(ctx)
	defer cancel()
	res, err := i.d.cli.ContainerInspect(cctx, i.id, client.ContainerInspectOptions{})
	if err != nil {
		return fmt.Errorf("inspect container %s: %w", i.st.Container, err)
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if cfg := res.Container.Config; cfg != nil {
		for k, v := range forwardedPorts(cfg.Labels) {
			i.ports[k] = v
		}
	}
	if ns := res.Container.NetworkSettings; ns != nil {
		for port, bindings := range ns.Ports {
			for _, b := range bindings {
				if b.HostPort == "" {
					continue
				}
				host := b.HostIP.String()
				if !b.HostIP.IsValid() || b.HostIP.IsUnspecified() {
					host = plan.LocalHost
				}
				if b.HostIP.Is6() {
					host = "[" + host + "]"
				}
				if _, ok := i.ports[port.String()]; !ok || b.HostIP.Is4() {
					i.ports[port.String()] = host + ":" + b.HostPort
				}
			}
		}
		for _, ep := range ns.Networks {
			if ep != nil && ep.IPAddress.IsValid() {
				i.addrs = append(i.addrs, ep.IPAddress.String())
			}
		}
	}
	return nil
}

// Addr implements probe.Target: where this process reaches a container
// port. With a local engine that is the container's own address (so a probe
// sees the server, not the engine's port proxy); otherwise the published port.
func (i *instance) Addr(port int, proto string) (string, error) {
	if proto == "" {
		proto = "tcp"
	}
	direct := i.d.isDirect()
	i.mu.Lock()
	defer i.mu.Unlock()
	if direct && len(i.addrs) > 0 {
		return net.JoinHostPort(i.addrs[0], strconv.Itoa(port)), nil
	}
	a, ok := i.ports[fmt.Sprintf("%d/%s", port, proto)]
	if !ok {
		return "", fmt.Errorf("port %d/%s of %s is not published", port, proto, i.st.Container)
	}
	return a, nil
}

// Direct implements probe.DirectReporter: with a local engine Addr gives
// the container's own address, where no port proxy stands in for the server.
func (i *instance) Direct() bool {
	direct := i.d.isDirect()
	i.mu.Lock()
	defer i.mu.Unlock()
	return direct && len(i.addrs) > 0
}

// Endpoint implements lifecycle.Instance.
func (i *instance) Endpoint(ctx context.Context) (*endpoints.Server, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	ports := map[string]string{}
	for _, b := range i.st.Ports {
		if b.Data {
			continue
		}
		if a, ok := i.ports[b.Key()]; ok {
			ports[b.Key()] = a
		}
	}
	addrs := append([]string(nil), i.addrs...)
	sort.Strings(addrs)
	return &endpoints.Server{Hostname: i.st.Hostname, Addresses: addrs, Ports: ports}, nil
}

// Done implements lifecycle.Instance.
func (i *instance) Done() <-chan struct{} { return i.exited }

// ExitCode implements lifecycle.Instance.
func (i *instance) ExitCode() int {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.code
}

// Exec implements probe.Execer.
func (i *instance) Exec(ctx context.Context, argv []string) (int, []byte, error) {
	var out bytes.Buffer
	code, err := i.d.execIn(ctx, i.id, argv, &out, &out)
	return code, out.Bytes(), err
}

// Logs implements probe.LogReader.
func (i *instance) Logs(ctx context.Context) ([]byte, error) {
	var out bytes.Buffer
	err := i.d.logs(ctx, i.id, "all", false, &out, &out)
	return out.Bytes(), err
}

// LogTail implements lifecycle.Instance.
func (i *instance) LogTail(ctx context.Context, n int) string {
	tail, err := i.d.Tail(ctx, i.id, n)
	if err != nil {
		return "(log unavailable: " + err.Error() + ")"
	}
	return tail
}

// Tail returns the last n lines of a container's output (stdout and
// stderr together); the engine cuts them, so a long log is not fetched.
func (d *Driver) Tail(ctx context.Context, containerID string, n int) (string, error) {
	var out bytes.Buffer
	err := d.logs(ctx, containerID, fmt.Sprint(n), false, &out, &out)
	return out.String(), err
}

// Health implements probe.HealthReporter.
func (i *instance) Health(ctx context.Context) (string, error) {
	res, err := i.d.cli.ContainerInspect(ctx, i.id, client.ContainerInspectOptions{})
	if err != nil {
		return "", err
	}
	if res.Container.State == nil || res.Container.State.Health == nil {
		return "none", nil
	}
	return string(res.Container.State.Health.Status), nil
}

// Exited implements probe.ExitReporter.
func (i *instance) Exited(ctx context.Context) (bool, int, error) {
	select {
	case <-i.exited:
		return true, i.ExitCode(), nil
	default:
		return false, 0, nil
	}
}

// execIn runs argv in a container (no shell), copying its stdout and stderr
// apart, and returns its exit status.
func (d *Driver) execIn(ctx context.Context, containerID string, argv []string, stdout, stderr interface{ Write([]byte) (int, error) }) (int, error) {
	created, err := d.cli.ExecCreate(ctx, containerID, client.ExecCreateOptions{Cmd: argv, AttachStdout: true, AttachStderr: true})
	if err != nil {
		return -1, fmt.Errorf("exec %q: %w", argv, err)
	}
	att, err := d.cli.ExecAttach(ctx, created.ID, client.ExecAttachOptions{})
	if err != nil {
		return -1, fmt.Errorf("exec %q: attach: %w", argv, err)
	}
	defer att.Close()
	done := make(chan error, 1)
	go func() {
		_, err := stdcopy.StdCopy(stdout, stderr, att.Reader)
		done <- err
	}()
	select {
	case err = <-done:
	case <-ctx.Done():
		return -1, ctx.Err()
	}
	if err != nil {
		return -1, fmt.Errorf("exec %q: read output: %w", argv, err)
	}
	res, err := d.cli.ExecInspect(ctx, created.ID, client.ExecInspectOptions{})
	if err != nil {
		return -1, fmt.Errorf("exec %q: inspect: %w", argv, err)
	}
	return res.ExitCode, nil
}

func (d *Driver) logs(ctx context.Context, containerID, tail string, follow bool, stdout, stderr interface{ Write([]byte) (int, error) }) error {
	r, err := d.cli.ContainerLogs(ctx, containerID, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Tail: tail, Follow: follow})
	if err != nil {
		return fmt.Errorf("logs: %w", err)
	}
	defer r.Close()
	_, err = stdcopy.StdCopy(stdout, stderr, r)
	if err != nil && !strings.Contains(err.Error(), "context canceled") {
		return fmt.Errorf("logs: %w", err)
	}
	return nil
}
