package e2e

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	testbed "github.com/testbed-dev/testbed"
	"github.com/testbed-dev/testbed/internal/testenv"
)

// The kinds of the catalogue's second part, brought up through the library
// on both drivers and asked by real clients.

// drivers runs fn once per driver; docker only when an engine answers
// (and always in CI).
func drivers(t *testing.T, fn func(t *testing.T, driver string)) {
	for _, d := range []string{"local", "docker"} {
		t.Run(d, func(t *testing.T) {
			if d == "docker" {
				testenv.Engine(t)
			}
			fn(t, d)
		})
	}
}

func dnsQuery(t *testing.T, addr, network, name string, qtype uint16) *dns.Msg {
	t.Helper()
	c := &dns.Client{Net: network, Timeout: 5 * time.Second}
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	var r *dns.Msg
	var err error
	for range 3 {
		if r, _, err = c.Exchange(m, addr); err == nil {
			return r
		}
	}
	t.Fatalf("query %s over %s: %v", name, network, err)
	return nil
}

func TestDNSKind(t *testing.T) {
	drivers(t, func(t *testing.T, driver string) {
		bed := testbed.Start(t, testbed.WithDriver(driver), testbed.WithServers("http", "dns"))
		domain := bed.Manifest().Domain
		want := "127.0.0.1"
		if driver == "docker" {
			want = strings.Join(bed.Manifest().Servers["http"].Addresses, " ")
		}
		for _, network := range []string{"udp", "tcp"} {
			port := "53/" + network
			r := dnsQuery(t, bed.Addr("dns", port), network, bed.Host("http"), dns.TypeA)
			var got []string
			for _, rr := range r.Answer {
				if a, ok := rr.(*dns.A); ok {
					got = append(got, a.A.String())
				}
			}
			if strings.Join(got, " ") != want {
				t.Errorf("%s: A %s = %v (%s), want %s", network, bed.Host("http"), got, dns.RcodeToString[r.Rcode], want)
			}
			r = dnsQuery(t, bed.Addr("dns", port), network, "_http._tcp."+domain, dns.TypeSRV)
			if len(r.Answer) != 1 || r.Answer[0].(*dns.SRV).Target != "http."+domain+"." {
				t.Errorf("%s: SRV _http._tcp = %v, want http.%s", network, r.Answer, domain)
			}
			r = dnsQuery(t, bed.Addr("dns", port), network, "nope."+domain, dns.TypeA)
			if r.Rcode != dns.RcodeNameError {
				t.Errorf("%s: nope = %s, want NXDOMAIN", network, dns.RcodeToString[r.Rcode])
			}
		}
		// Through Go's resolver, as a program under test would ask.
		r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "udp", bed.Addr("dns", "53/udp"))
		}}
		mx, err := r.LookupMX(t.Context(), domain)
		if err != nil || len(mx) != 1 || mx[0].Host != "mail."+domain+"." {
			t.Errorf("LookupMX(%s) = %v, %v; want mail.%s", domain, mx, err, domain)
		}
	})
}
