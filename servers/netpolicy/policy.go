package netpolicy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrForbidden is returned (wrapped) for a destination the policy does not
// allow. Check with errors.Is.
var ErrForbidden = errors.New("destination not allowed")

// DefaultDialTimeout bounds a connection attempt when Policy.Dialer is nil.
const DefaultDialTimeout = 10 * time.Second

// Policy is a dialer that only connects to the testbed. Its zero value
// refuses everything. A Policy must not be changed while it is in use.
type Policy struct {
	// Domain is the testbed's DNS domain: names equal to it or ending in
	// "."+Domain are testbed names. Empty: no name is in the domain.
	Domain string
	// Names are short names that are testbed names (servers and aliases).
	Names []string
	// Nets are the testbed's addresses. An IP literal destination must be
	// inside one, and a testbed name is dialled only at the addresses it
	// resolves to that are inside one.
	Nets []netip.Prefix
	// Network, when set, is the engine network the testbed's containers
	// share, and makes the policy decide by address alone: any DNS name may
	// be resolved (the engine's DNS answers for the network's aliases), and
	// an address inside Nets is dialled only if the engine's DNS names it
	// "<Network>.<server>.<Network>" in reverse: it names the network's
	// containers so and nothing else (not the gateway, which is the host,
	// nor other machines on the subnet), and the project's containers are
	// called <project>.<server> on the network <project>. The allow-list
	// of every server is then O(1).
	Network string
	// Deny are addresses never dialled even inside Nets (the gateways).
	Deny []netip.Addr
	// Map rewrites "name:port" (short or fully qualified name) to an
	// address such as "127.0.0.1:49153", with no DNS. A destination equal
	// to one of its values is allowed too.
	Map map[string]string
	// Resolver resolves testbed names; nil means net.DefaultResolver.
	Resolver *net.Resolver
	// Dialer makes the connections; nil means one with DefaultDialTimeout.
	Dialer *net.Dialer
	// RefusedRetry dials an allowed destination that refuses again, for
	// this long at most (0: once). On a cluster a Service whose pod is
	// ready refuses until the service proxy has been told about it.
	RefusedRetry time.Duration
	// Logger receives a line per refused destination (Info) and per dial
	// (Debug); nil is quiet.
	Logger *slog.Logger
}

// DialContext connects to address ("host:port") over network ("tcp",
// "tcp4" or "tcp6") if the policy allows it. A refused destination gives an
// error wrapping ErrForbidden and nothing is dialled; a failed dial keeps the
// underlying error (errors.Is(err, syscall.ECONNREFUSED) still works).
func (p *Policy) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return nil, fmt.Errorf("netpolicy: dial %s %s: network not supported: %w", network, address, ErrForbidden)
	}
	host, port, err := splitAddress(address)
	if err != nil {
		return nil, fmt.Errorf("netpolicy: dial %s: %w", address, err)
	}
	addrs, err := p.targets(ctx, network, host, port)
	if err != nil {
		return nil, fmt.Errorf("netpolicy: dial %s: %w", address, err)
	}
	d := p.Dialer
	if d == nil {
		d = &net.Dialer{Timeout: DefaultDialTimeout}
	}
	start := time.Now()
	pause := 20 * time.Millisecond
	for {
		c, err := p.dialAny(ctx, d, network, address, addrs)
		if err == nil {
			return c, nil
		}
		if !errors.Is(err, syscall.ECONNREFUSED) || time.Since(start)+pause > p.RefusedRetry {
			return nil, fmt.Errorf("netpolicy: dial %s: %w", address, err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("netpolicy: dial %s: %w", address, err)
		case <-time.After(pause):
		}
		pause = min(2*pause, 250*time.Millisecond)
	}
}

// dialAny dials the addresses in turn and returns the first connection,
// or the first error.
func (p *Policy) dialAny(ctx context.Context, d *net.Dialer, network, address string, addrs []string) (net.Conn, error) {
	var first error
	for _, a := range addrs {
		p.logDial(address, a)
		c, err := d.DialContext(ctx, network, a)
		if err == nil {
			return c, nil
		}
		if first == nil {
			first = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, first
}

// Check tells whether host:port is allowed and returns the first address
// ("ip:port") a connection would go to. It resolves testbed names but never
// any other name.
func (p *Policy) Check(ctx context.Context, host string, port int) (resolved string, err error) {
	if port < 1 || port > 65535 {
		return "", fmt.Errorf("netpolicy: check %s: port %d out of range", host, port)
	}
	addrs, err := p.targets(ctx, "tcp", host, port)
	if err != nil {
		return "", fmt.Errorf("netpolicy: check %s: %w", net.JoinHostPort(host, strconv.Itoa(port)), err)
	}
	return addrs[0], nil
}

// targets lists the addresses to try for host:port, in order, or says why
// there are none.
func (p *Policy) targets(ctx context.Context, network, host string, port int) ([]string, error) {
	name := normalName(host)
	if a, ok := p.mapped(name, port); ok {
		return []string{a}, nil
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		ap := netip.AddrPortFrom(ip.Unmap(), uint16(port))
		if p.isMapValue(ap) {
			return []string{ap.String()}, nil
		}
		if why := p.refuseAddr(ctx, ap.Addr()); why != "" {
			return nil, p.forbid(host, port, why)
		}
		return []string{ap.String()}, nil
	}
	if !p.isTestbedName(name) && (p.Network == "" || !isDNSName(name)) {
		return nil, p.forbid(host, port, "not a testbed name")
	}
	if len(p.Nets) == 0 {
		// Nothing it resolves to could be allowed: do not even ask DNS
		// (the local driver, which maps every name, has no testbed network).
		return nil, p.forbid(host, port, "a testbed name without a mapping, and no testbed network")
	}
	r := p.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	ipNet := "ip"
	switch network {
	case "tcp4":
		ipNet = "ip4"
	case "tcp6":
		ipNet = "ip6"
	}
	ips, err := r.LookupNetIP(ctx, ipNet, name)
	if err != nil {
		if !p.isTestbedName(name) && strings.Contains(name, ".") {
			// A name outside the testbed that does not resolve (or only
			// outside it) is refused, not "unreachable": example.com is
			// 403, never 502. Short names are the network's own.
			return nil, p.forbid(host, port, "not a testbed name ("+err.Error()+")")
		}
		return nil, fmt.Errorf("resolve %s: %w", name, err)
	}
	var out []string
	var why string
	for _, ip := range ips {
		ip = ip.Unmap()
		if w := p.refuseAddr(ctx, ip); w != "" {
			why = w
			continue
		}
		out = append(out, netip.AddrPortFrom(ip, uint16(port)).String())
	}
	if len(out) == 0 {
		return nil, p.forbid(host, port, fmt.Sprintf("%s resolves to no testbed address (%v: %s)", name, ips, why))
	}
	return out, nil
}

// IsTestbedAddr reports whether ip is an address of one of the testbed's
// own servers, by the rules DialContext applies.
func (p *Policy) IsTestbedAddr(ctx context.Context, ip netip.Addr) bool {
	return p.refuseAddr(ctx, ip.Unmap()) == ""
}

// refuseAddr returns why ip (unmapped) is not a testbed address, or "".
// It is one inside Nets that is no special address (link-local,
// multicast, unspecified, a subnet's network or broadcast address), not
// in Deny, and, with Network set, named in reverse as one of its
// containers.
func (p *Policy) refuseAddr(ctx context.Context, ip netip.Addr) string {
	switch {
	case !p.inNets(ip):
		return "address outside the testbed networks"
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast(), ip.IsMulticast(),
		ip.IsUnspecified(), ip.IsInterfaceLocalMulticast():
		return "a link-local, multicast or unspecified address"
	case p.isEdge(ip):
		return "a network or broadcast address"
	}
	for _, d := range p.Deny {
		if d.Unmap() == ip {
			return "the network's gateway (the host)"
		}
	}
	if p.Network != "" && !p.isMember(ctx, ip) {
		return "not a container of the testbed network"
	}
	return ""
}

// isEdge reports whether ip is the first or (IPv4) last address of a net
// in Nets that holds it.
func (p *Policy) isEdge(ip netip.Addr) bool {
	for _, n := range p.Nets {
		if !n.Contains(ip) || n.Bits() >= ip.BitLen()-1 {
			continue
		}
		if ip == n.Masked().Addr() {
			return true
		}
		if ip.Is4() {
			b := n.Masked().Addr().As4()
			v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
			v |= (1 << (32 - n.Bits())) - 1
			if ip == netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}) {
				return true
			}
		}
	}
	return false
}

// isMember asks the resolver for ip's reverse names and reports whether
// one is "<Network>.<server>.<Network>": a container testbed named
// "<project>.<server>" (plan.ContainerName) on the project's network.
func (p *Policy) isMember(ctx context.Context, ip netip.Addr) bool {
	r := p.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	names, err := r.LookupAddr(ctx, ip.String())
	if err != nil {
		return false
	}
	nw := normalName(p.Network)
	for _, n := range names {
		container, ok := strings.CutSuffix(normalName(n), "."+nw)
		server, isProject := strings.CutPrefix(container, nw+".")
		if ok && isProject && server != "" && !strings.Contains(server, ".") {
			return true
		}
	}
	return false
}

// isDNSName reports whether s is a DNS name of letters, digits, '-', '_'
// and dots whose last label is not all digits (so no numeric spelling of
// an address passes as a name).
func isDNSName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	labels := strings.Split(s, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	last := labels[len(labels)-1]
	if strings.Trim(last, "0123456789") == "" || strings.HasPrefix(last, "0x") {
		return false
	}
	return true
}

func (p *Policy) forbid(host string, port int, why string) error {
	p.logRefused(host, port, why)
	return fmt.Errorf("%s: %w", why, ErrForbidden)
}

// mapped looks name:port up in Map, also under the other form of the name
// (short or fully qualified) when it is in the testbed domain.
func (p *Policy) mapped(name string, port int) (string, bool) {
	if len(p.Map) == 0 {
		return "", false
	}
	want := []string{name}
	if d := normalName(p.Domain); d != "" {
		if short, ok := strings.CutSuffix(name, "."+d); ok && !strings.Contains(short, ".") {
			want = append(want, short)
		} else if !strings.Contains(name, ".") && name != "" {
			want = append(want, name+"."+d)
		}
	}
	for key, val := range p.Map {
		kh, kp, err := splitAddress(key)
		if err != nil || kp != port {
			continue
		}
		kh = normalName(kh)
		for _, w := range want {
			if kh == w {
				return val, true
			}
		}
	}
	return "", false
}

func (p *Policy) isMapValue(ap netip.AddrPort) bool {
	for _, val := range p.Map {
		v, err := netip.ParseAddrPort(val)
		if err != nil {
			continue
		}
		if netip.AddrPortFrom(v.Addr().Unmap(), v.Port()) == ap {
			return true
		}
	}
	return false
}

func (p *Policy) inNets(ip netip.Addr) bool {
	for _, n := range p.Nets {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

func (p *Policy) isTestbedName(name string) bool {
	if name == "" {
		return false
	}
	for _, n := range p.Names {
		if normalName(n) == name {
			return true
		}
	}
	d := normalName(p.Domain)
	return d != "" && (name == d || strings.HasSuffix(name, "."+d))
}

// logDial logs a connection attempt at Debug. Without a Logger it costs
// nothing: the check comes before any argument is boxed for slog.
func (p *Policy) logDial(destination, address string) {
	if p.Logger != nil {
		p.Logger.Debug("dial", "destination", destination, "address", address)
	}
}

// logRefused logs a refused destination at Info; like logDial, it costs
// nothing without a Logger.
func (p *Policy) logRefused(host string, port int, why string) {
	if p.Logger != nil {
		p.Logger.Info("destination refused", "host", host, "port", port, "reason", why)
	}
}

// normalName lower-cases a DNS name and drops a trailing dot.
func normalName(s string) string {
	return strings.TrimSuffix(strings.ToLower(s), ".")
}

// splitAddress splits "host:port" and checks that port is a number in 1-65535.
func splitAddress(address string) (string, int, error) {
	host, ps, err := net.SplitHostPort(address)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(ps)
	if err != nil || port < 1 || port > 65535 {
		return "", 0, fmt.Errorf("address %s: invalid port %q", address, ps)
	}
	return host, port, nil
}
