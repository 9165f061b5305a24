package spec

import (
	"fmt"
	"sort"
)

// span is a run of ports lo..hi used by one ports: entry.
type span struct {
	lo, hi int
	server *Server
	index  int // in server.Ports
}

// overlaps reports every span that overlaps an earlier one (by start) in
// its group, through report(later, earlier).
func overlaps(groups map[string][]span, report func(group string, a, b span)) {
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		spans := groups[k]
		sort.SliceStable(spans, func(i, j int) bool { return spans[i].lo < spans[j].lo })
		far := 0 // the span reaching furthest so far
		for i := 1; i < len(spans); i++ {
			if spans[i].lo <= spans[far].hi {
				report(k, spans[i], spans[far])
			}
			if spans[i].hi > spans[far].hi {
				far = i
			}
		}
	}
}

// ports checks each port and that no container port is listed twice.
func (v *validator) ports(s *Server) {
	groups := map[string][]span{}
	for i, p := range s.Ports {
		f := fmt.Sprintf("ports[%d]", i)
		if sub, msg := checkPort(p); msg != "" {
			v.errorf(s, joinField(f, sub), "%s", msg)
			continue
		}
		proto := p.protoOrTCP()
		groups[proto] = append(groups[proto], span{lo: p.Port, hi: p.last(), server: s, index: i})
	}
	overlaps(groups, func(proto string, a, b span) {
		first, later := a, b
		if later.index < first.index {
			first, later = later, first
		}
		v.errorf(s, fmt.Sprintf("ports[%d]", later.index), "%s/%s listed twice (also in ports[%d])",
			spanText(later), proto, first.index)
	})
}

// hostPortClashes reports fixed host ports that two ports: entries (of one
// or several servers) would publish on the same address.
func (v *validator) hostPortClashes() {
	groups := map[string][]span{}
	for _, s := range v.t.Servers {
		if s == nil {
			continue
		}
		for i, p := range s.Ports {
			if p.HostPort == 0 {
				continue
			}
			if _, msg := checkPort(p); msg != "" {
				continue
			}
			ip := p.HostIP
			if ip == "" {
				ip = "127.0.0.1"
			}
			g := ip + " " + p.protoOrTCP()
			groups[g] = append(groups[g], span{lo: p.HostPort, hi: p.HostPort + p.last() - p.Port, server: s, index: i})
		}
	}
	overlaps(groups, func(_ string, a, b span) {
		if a.server == b.server {
			if a.index < b.index {
				a, b = b, a
			}
		}
		v.errorf(a.server, fmt.Sprintf("ports[%d].host_port", a.index), "host port %s also published by server %s ports[%d]",
			spanText(a), Quote(b.server.Name), b.index)
	})
}

func spanText(s span) string {
	if s.lo == s.hi {
		return fmt.Sprint(s.lo)
	}
	return fmt.Sprintf("%d-%d", s.lo, s.hi)
}

// aliasClashes reports aliases that are another server's name, or an alias
// of two servers.
func (v *validator) aliasClashes() {
	owner := map[string]*Server{}
	for _, s := range v.t.Servers {
		if s != nil {
			owner[s.Name] = s
		}
	}
	for _, s := range v.t.Servers {
		if s == nil {
			continue
		}
		for i, a := range s.Aliases {
			o, taken := owner[a]
			switch {
			case !taken:
				owner[a] = s
			case o == s && a == s.Name:
				v.errorf(s, fmt.Sprintf("aliases[%d]", i), "alias %s is the server's own name", Quote(a))
			case o == s:
				v.errorf(s, fmt.Sprintf("aliases[%d]", i), "alias %s listed twice", Quote(a))
			default:
				v.errorf(s, fmt.Sprintf("aliases[%d]", i), "alias %s is already a name of server %s", Quote(a), Quote(o.Name))
			}
		}
	}
}
