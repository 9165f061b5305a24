package catalog

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/testbed-dev/testbed/servers/dnsd"
	"github.com/testbed-dev/testbed/servers/netpolicy"
	"github.com/testbed-dev/testbed/spec"
)

// dnsSeedZone is the records every dns server has unless the seed option
// is off; names are relative to the testbed's domain.
const dnsSeedZone = `
@           NS    dns
@           MX    10 mail
@           TXT   "v=spf1 -all"
@           CAA   0 issue "testbed"
www         CNAME http
alias       CNAME www
outside     CNAME example.com.
txt         TXT   "hello from testbed" "a second string"
_http._tcp  SRV   0 5 80 http
_imap._tcp  SRV   10 5 143 imap
ipv4        A     192.0.2.10
ipv6        AAAA  2001:db8::10
10.2.0.192.in-addr.arpa. PTR ipv4
`

// dnsKind is the built-in DNS server (servers/dnsd).
func dnsKind() *Kind {
	return &Kind{
		Name:    "dns",
		Summary: "authoritative DNS for the testbed's domain: every server's address, seeded records, edge cases",
		Ports: []PortInfo{
			{Port: 53, Proto: "udp", Note: "DNS"},
			{Port: 53, Proto: "tcp", Note: "DNS"},
		},
		Credentials: "none",
		Endpoints: []string{
			"SERVER.DOMAIN A/AAAA: each server's address (docker: its container's; local: 127.0.0.1)",
			"seeded: www/alias CNAME, MX, NS, TXT, CAA at the apex, txt TXT, _http._tcp/_imap._tcp SRV, ipv4 A, ipv6 AAAA, 10.2.0.192.in-addr.arpa PTR; the zone option adds more",
			"servfail.DOMAIN SERVFAIL; slow.DOMAIN answers after slow-delay; truncated.DOMAIN TXT is truncated over UDP (TC) and whole over TCP; unknown names NXDOMAIN",
			"no recursion: names outside the domain are REFUSED",
		},
		Options: []Option{
			{Name: "zone", Default: "", Help: "more records in zone-file syntax (names relative to the domain; PTR under in-addr.arpa/ip6.arpa too)"},
			{Name: "seed", Default: "true", Help: "serve the seeded records (false: only servers, edge cases and the zone option)"},
			{Name: "ttl", Default: strconv.Itoa(dnsd.DefaultTTL), Help: "TTL of every answer, in seconds"},
			{Name: "slow-delay", Default: dnsd.DefaultSlowDelay.String(), Help: "how long slow.DOMAIN takes"},
			{Name: "domain", Default: "", Help: "the zone (default: the testbed's domain)"},
		},
		Ready: func(map[string]string) *spec.Probe {
			return &spec.Probe{TCP: &spec.TCPProbe{Port: 53}}
		},
		Run: runDNS,
	}
}

func runDNS(ctx context.Context, env Env) error {
	ttl, err := strconv.ParseUint(env.Options["ttl"], 10, 31)
	if err != nil {
		return fmt.Errorf("dns: option ttl=%q: want seconds", env.Options["ttl"])
	}
	slow, err := duration(env.Options, "slow-delay")
	if err != nil {
		return fmt.Errorf("dns: %w", err)
	}
	seed, err := strconv.ParseBool(env.Options["seed"])
	if err != nil {
		return fmt.Errorf("dns: option seed=%q: want true or false", env.Options["seed"])
	}
	pol, _ := env.Dialer.(*netpolicy.Policy)
	domain := env.Options["domain"]
	if domain == "" && pol != nil {
		domain = pol.Domain
	}
	if domain == "" {
		domain = spec.DefaultDomain
	}
	zone := env.Options["zone"]
	if seed {
		zone = dnsSeedZone + "\n" + zone
	}
	srv, err := dnsd.New(dnsd.Options{
		Domain:    domain,
		Zone:      zone,
		Hosts:     policyHosts(pol, domain),
		TTL:       uint32(ttl),
		SlowDelay: slow,
		Logger:    env.Logger,
	})
	if err != nil {
		return err
	}
	serves := append(servesOn(env.Listeners, map[string]func(net.Listener) error{"53/tcp": srv.Serve}),
		servesOn(env.Packets, map[string]func(net.PacketConn) error{"53/udp": srv.ServePacket})...)
	return runServersUntilDone(ctx, "dns", serves, srv.Close)
}

// policyHosts finds the testbed's servers through the policy both drivers
// give a kind as its dialer: the local driver's maps every server name to
// the loopback address, with no testbed network; in a container, the
// engine's DNS resolves a short name, and only addresses the policy takes
// for the project's own containers are answered (a name the engine would
// forward upstream answers nothing).
func policyHosts(pol *netpolicy.Policy, domain string) dnsd.Hosts {
	if pol == nil {
		return nil
	}
	if len(pol.Nets) == 0 {
		names := map[string]bool{}
		for _, n := range pol.Names {
			names[strings.ToLower(strings.TrimSuffix(n, "."))] = true
		}
		return dnsd.StaticHosts{Names: names, Addrs: []netip.Addr{netip.MustParseAddr("127.0.0.1")}}
	}
	return engineHosts{policy: pol, domain: strings.ToLower(domain)}
}

// engineHosts resolves a server's short name through the engine's DNS.
type engineHosts struct {
	policy *netpolicy.Policy
	domain string
}

func (h engineHosts) LookupHost(ctx context.Context, name string) ([]netip.Addr, bool, error) {
	short := strings.TrimSuffix(strings.ToLower(name), "."+h.domain)
	if short == "" || strings.Contains(short, ".") || short == strings.ToLower(name) {
		return nil, false, nil
	}
	r := h.policy.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	addrs, err := r.LookupNetIP(ctx, "ip", short)
	if err != nil {
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
			return nil, false, nil
		}
		return nil, true, fmt.Errorf("resolve %s: %w", short, err)
	}
	var ours []netip.Addr
	for _, a := range addrs {
		if h.policy.IsTestbedAddr(ctx, a) {
			ours = append(ours, a.Unmap())
		}
	}
	return ours, len(ours) > 0, nil
}
