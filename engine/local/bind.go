package local

import (
	"fmt"
	"net"
	"strconv"

	"github.com/testbed-dev/testbed/catalog"
	"github.com/testbed-dev/testbed/plan"
	"github.com/testbed-dev/testbed/servers/netpolicy"
)

// bound is one server's sockets, bound before any server runs.
type bound struct {
	catalog.Sockets
	addrs map[string]string // port key -> "127.0.0.1:49153"
}

// bindStep binds every published port of st: on the binding's host address
// (127.0.0.1 unless the spec says otherwise) and its host port (0, a free
// one, unless bind-local or the spec fixed it). On error nothing stays bound.
func bindStep(st *plan.Step) (_ *bound, err error) {
	b := &bound{addrs: map[string]string{}}
	defer func() {
		if err != nil {
			_ = b.Close()
		}
	}()
	for _, p := range st.Ports {
		host := p.HostIP
		if host == "" {
			host = Host
		}
		addr := net.JoinHostPort(host, strconv.Itoa(p.HostPort))
		key := p.Key()
		if _, dup := b.addrs[key]; dup {
			continue
		}
		a, err := b.Bind(key, p.Proto, addr)
		if err != nil {
			return nil, fmt.Errorf("server %s: bind %s for %s: %w", st.Server.Name, addr, key, err)
		}
		b.addrs[key] = a.String()
	}
	return b, nil
}

// policy is the destination policy of the project's proxy and socks
// servers: every name of every server ("web", "web.testbed.test", aliases)
// with each of its tcp container ports maps to the address it is bound on.
// There is no testbed network, so a name without a mapping is refused
// without any DNS lookup. The map is complete before any server runs and is
// never changed afterwards, as netpolicy.Policy requires.
func policy(p *plan.Plan, servers map[string]*server) *netpolicy.Policy {
	pol := &netpolicy.Policy{Domain: p.Domain, Map: map[string]string{}}
	for _, st := range p.Steps() {
		srv := servers[st.Server.Name]
		pol.Names = append(pol.Names, st.Aliases...)
		for _, port := range st.Ports {
			if port.Proto == "udp" {
				continue
			}
			addr, ok := srv.bound.addrs[port.Key()]
			if !ok {
				continue
			}
			for _, name := range st.Aliases {
				pol.Map[net.JoinHostPort(name, strconv.Itoa(port.Port))] = addr
			}
		}
	}
	return pol
}
