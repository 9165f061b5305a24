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
// the ones that are not. Only for a local engine, whose ports are ours.
func (d *Driver) checkHostPorts(ctx context.Context, p *plan.Plan) error {
	if !d.isDirect() {
		return nil
	}
	var errs []error
	for _, st := range p.Steps() {
		for _, b := range st.Ports {
			if b.HostPort == 0 {
				continue
			}
			addr := net.JoinHostPort(b.HostIP, strconv.Itoa(b.HostPort))
			var err error
			if b.Proto == "udp" {
				var pc net.PacketConn
				if pc, err = net.ListenPacket("udp", addr); err == nil {
					pc.Close()
				}
			} else {
				var l net.Listener
				if l, err = net.Listen("tcp", addr); err == nil {
					l.Close()
				}
			}
			if err == nil {
				continue
			}
			who := d.holder(ctx, b)
			errs = append(errs, fmt.Errorf("server %s: %w: %s/%s on %s%s", st.Server.Name, ErrPortInUse, strconv.Itoa(b.HostPort), b.Proto, b.HostIP, who))
		}
	}
	return errors.Join(errs...)
}

// holder says who holds a port: a testbed project's server, or a process.
func (d *Driver) holder(ctx context.Context, b plan.Binding) string {
	if list, err := d.List(ctx, ""); err == nil {
		for _, c := range list {
			for _, a := range c.Ports {
				if strings.HasSuffix(a, ":"+strconv.Itoa(b.HostPort)) {
					return fmt.Sprintf(" (held by testbed project %s, server %s; `testbed -p %s down` frees it)", c.Project, c.Server, c.Project)
				}
			}
		}
	}
	if who := hostnet.PortHolder(b.Proto, b.HostPort); who != "" {
		return " (held by " + who + ")"
	}
	return " (held by another program)"
}
