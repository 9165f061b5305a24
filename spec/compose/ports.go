package compose

import (
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

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
		host := strings.Trim(pc.HostIP, "[]")
		ip, err := netip.ParseAddr(host)
		ip = ip.Unmap()
		if host != "" && err != nil {
			m.errorf(s.Name, "ports", field, "host IP %s is not an IP address", quote(pc.HostIP))
			continue
		}
		switch {
		case m.opts.PublishAllInterfaces && host == "":
			p.HostIP = "0.0.0.0"
		case m.opts.PublishAllInterfaces:
			p.HostIP = ip.String()
		case host == "" || ip.Is4() && ip.IsUnspecified():
			p.HostIP = "127.0.0.1"
			narrowed = append(narrowed, p.Key())
		case ip.IsUnspecified():
			p.HostIP = "::1"
			narrowed = append(narrowed, p.Key())
		default:
			p.HostIP = ip.String()
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

// rangeRE finds port ranges like "30000-30009" in a port entry as written.
var rangeRE = regexp.MustCompile(`([0-9]+)-([0-9]+)`)

// checkRanges refuses a ports or expose entry whose range holds more than
// spec.MaxPortRange ports, from the YAML as written.
func checkRanges(file, service, key string, list *yaml.Node) error {
	if list.Kind != yaml.SequenceNode {
		return nil
	}
	for i, item := range list.Content {
		var texts []*yaml.Node
		switch item.Kind {
		case yaml.ScalarNode:
			texts = append(texts, item)
		case yaml.MappingNode: // long syntax: target and published
			for j := 1; j < len(item.Content); j += 2 {
				if item.Content[j].Kind == yaml.ScalarNode {
					texts = append(texts, item.Content[j])
				}
			}
		}
		for _, t := range texts {
			for _, m := range rangeRE.FindAllStringSubmatch(t.Value, -1) {
				lo, err1 := strconv.Atoi(m[1])
				hi, err2 := strconv.Atoi(m[2])
				if err1 != nil || err2 != nil || hi-lo+1 > spec.MaxPortRange {
					return &spec.Error{File: file, Line: t.Line, Server: service, Field: fmt.Sprintf("%s[%d]", key, i),
						Msg: fmt.Sprintf("port range %s holds more than %d ports", quote(m[0]), spec.MaxPortRange)}
				}
			}
		}
	}
	return nil
}
