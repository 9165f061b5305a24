package docker

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/testbed-dev/testbed/hostnet"
	"github.com/testbed-dev/testbed/plan"
)

// ErrPortInUse is a fixed host port that something else holds.
var ErrPortInUse = errors.New("host port in use")

// checkHostPorts makes sure every fixed host port (--bind-local, or a
// spec's host_port) is free before anything is created, and says who holds
// the ones that are not. Only for a local engine, whose ports are ours; a
// plan without fixed ports does not wait to find out which engine it is.
func (d *Driver) checkHostPorts(ctx context.Context, p *plan.Plan) error {
	var errs []error
	var running []Container // testbed's containers, listed at the first taken port
	listed := false
	for _, st := range p.Steps() {
		for _, b := range st.Ports {
			if b.HostPort == 0 {
				continue
			}
			if !d.isDirect() {
				return nil
			}
			if portFree(b) {
				continue
			}
			if !listed {
				running, _ = d.List(ctx, "")
				listed = true
			}
			errs = append(errs, fmt.Errorf("server %s: %w: %s/%s on %s%s", st.Server.Name, ErrPortInUse, strconv.Itoa(b.HostPort), b.Proto, b.HostIP, holder(running, b)))
		}
	}
	return errors.Join(errs...)
}

// portFree reports whether the binding's host address and port can be bound.
func portFree(b plan.Binding) bool {
	addr := net.JoinHostPort(b.HostIP, strconv.Itoa(b.HostPort))
	if b.Proto == "udp" {
		pc, err := net.ListenPacket("udp", addr)
		if err == nil {
			pc.Close()
		}
		return err == nil
	}
	l, err := net.Listen("tcp", addr)
	if err == nil {
		l.Close()
	}
	return err == nil
}

// holder says who holds a port: one of testbed's running containers, or a process.
func holder(running []Container, b plan.Binding) string {
	for _, c := range running {
		for _, a := range c.Ports {
			if strings.HasSuffix(a, ":"+strconv.Itoa(b.HostPort)) {
				return fmt.Sprintf(" (held by testbed project %s, server %s; `testbed -p %s down` frees it)", c.Project, c.Server, c.Project)
			}
		}
	}
	if who := hostnet.PortHolder(b.Proto, b.HostPort); who != "" {
		return " (held by " + who + ")"
	}
	return " (held by another program)"
}
