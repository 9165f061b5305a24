package local

import (
	"context"
	"fmt"
	"maps"

	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/lifecycle"
	"github.com/testbed-dev/testbed/probe"
)

// instance is a running local server as lifecycle and probes see it.
type instance struct{ srv *server }

var (
	_ lifecycle.Instance = (*instance)(nil)
	_ probe.LogReader    = (*instance)(nil)
	_ probe.ExitReporter = (*instance)(nil)
)

// Addr implements probe.Target: the address the port is bound on.
func (i *instance) Addr(port int, proto string) (string, error) {
	if proto == "" {
		proto = "tcp"
	}
	key := fmt.Sprintf("%d/%s", port, proto)
	a, ok := i.srv.bound.addrs[key]
	if !ok {
		return "", probe.Permanent(fmt.Errorf("server %s has no port %s", i.srv.step.Server.Name, key))
	}
	return a, nil
}

// Endpoint implements lifecycle.Instance.
func (i *instance) Endpoint(context.Context) (*endpoints.Server, error) {
	ports := maps.Clone(i.srv.bound.addrs)
	for _, b := range i.srv.step.Ports {
		if b.Data {
			delete(ports, b.Key()) // bound, but not something a client dials by itself
		}
	}
	return &endpoints.Server{Hostname: i.srv.step.Hostname, Addresses: []string{Host}, Ports: ports}, nil
}

// Done implements lifecycle.Instance.
func (i *instance) Done() <-chan struct{} { return i.srv.done }

// ExitCode implements lifecycle.Instance: 0 when stopped by Remove, 1 when
// the kind failed on its own.
func (i *instance) ExitCode() int {
	i.srv.mu.Lock()
	defer i.srv.mu.Unlock()
	return i.srv.code
}

// LogTail implements lifecycle.Instance.
func (i *instance) LogTail(_ context.Context, n int) string { return i.srv.log.Tail(n) }

// Logs implements probe.LogReader.
func (i *instance) Logs(context.Context) ([]byte, error) { return []byte(i.srv.log.Tail(0)), nil }

// Exited implements probe.ExitReporter.
func (i *instance) Exited(context.Context) (bool, int, error) {
	select {
	case <-i.srv.done:
		return true, i.ExitCode(), nil
	default:
		return false, 0, nil
	}
}
