package compose

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/testbed-dev/testbed/spec"
)

// ports maps ports (published) and expose (network only). Published ports
// bind 127.0.0.1 (or ::1) where the file leaves the host IP open, unless
// the options say to publish on every interface.
func (m *mapper) ports(s *spec.Server, svc types.ServiceConfig) {
	var narrowed []string
	for i, pc := range svc.Ports {
		field := fmt.Sprintf("ports[%d]", i)
		proto := pc.Protocol
		if proto == "" {
			proto = "tcp"
		}
		if proto != "tcp" && proto != "udp" {
			m.errorf(s.Name, "ports", field, "protocol %s is not supported: want tcp or udp", quote(pc.Protocol))
			continue
		}
		if pc.Target < 1 || pc.Target > 65535 {
			m.errorf(s.Name, "ports", field, "container port %d out of range 1-65535", pc.Target)
			continue
		}
		p := spec.Port{Port: int(pc.Target), Proto: proto}
		if pc.Published != "" {
			n, err := strconv.Atoi(pc.Published)
			if err != nil || n < 0 || n > 65535 {
				m.errorf(s.Name, "ports", field, "host port %s: want one port number (a range of host ports for one container port is not supported)", quote(pc.Published))
				continue
			}
			p.HostPort = n
		}
		switch host := pc.HostIP; {
		case m.opts.PublishAllInterfaces && host == "":
			p.HostIP = "0.0.0.0"
		case m.opts.PublishAllInterfaces:
			p.HostIP = host
		case host == "" || host == "0.0.0.0":
			p.HostIP = "127.0.0.1"
			narrowed = append(narrowed, p.Key())
		case host == "::" || host == "[::]":
			p.HostIP = "::1"
			narrowed = append(narrowed, p.Key())
		default:
			p.HostIP = strings.Trim(host, "[]")
		}
		s.Ports = append(s.Ports, p)
	}
	if len(narrowed) > 0 {
		m.warnf(s.Name, "ports", "ports", "%s published on 127.0.0.1 (or ::1) only, not on every interface as compose would; pass --publish-all-interfaces to publish on all",
			strings.Join(narrowed, ", "))
	}

	for i, e := range svc.Expose {
		field := fmt.Sprintf("expose[%d]", i)
		p, err := spec.ParsePort(e)
		if err != nil || p.HostIP != "" || p.HostPort != 0 {
			m.errorf(s.Name, "expose", field, "want PORT[/PROTO] or LO-HI[/PROTO], got %s", quote(e))
			continue
		}
		p.Expose = true
		if published(s.Ports, p) {
			continue // published already, so reachable on the network too
		}
		s.Ports = append(s.Ports, p)
	}
}

// published reports whether ports publishes every port of p.
func published(ports []spec.Port, p spec.Port) bool {
	for _, one := range p.Expand() {
		found := false
		for _, q := range ports {
			if q.Expose {
				continue
			}
			for _, e := range q.Expand() {
				if e.Port == one.Port && e.Proto == one.Proto {
					found = true
				}
			}
		}
		if !found {
			return false
		}
	}
	return true
}
