package dnsd

import (
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// Zone is the seeded records, by owner name, and the zones (apexes) the
// server is authoritative for.
type Zone struct {
	apex    string // "testbed.test."
	records map[string][]dns.RR
	soa     *dns.SOA
	origins map[string]bool // apexes: the domain, and every reverse zone seeded
}

// NewZone parses text (zone-file syntax, $ORIGIN domain, default TTL ttl)
// on top of the records every testbed zone has: its SOA.
func NewZone(domain, text string, ttl uint32) (*Zone, error) {
	apex := dns.Fqdn(strings.ToLower(domain))
	if _, ok := dns.IsDomainName(apex); !ok {
		return nil, fmt.Errorf("domain %q is not a domain name", domain)
	}
	z := &Zone{apex: apex, records: map[string][]dns.RR{}, origins: map[string]bool{apex: true}}
	z.soa = &dns.SOA{
		Hdr: dns.RR_Header{Name: apex, Rrtype: dns.TypeSOA, Class: dns.ClassINET, Ttl: ttl},
		Ns:  "dns." + apex, Mbox: "hostmaster." + apex,
		Serial: 1, Refresh: 3600, Retry: 600, Expire: 86400, Minttl: ttl,
	}
	zp := dns.NewZoneParser(strings.NewReader(text), apex, "zone")
	zp.SetDefaultTTL(ttl)
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		h := rr.Header()
		h.Name = strings.ToLower(h.Name)
		if h.Rrtype == dns.TypeSOA {
			return nil, fmt.Errorf("zone: line with SOA %s: the server makes its own SOA", h.Name)
		}
		if !dns.IsSubDomain(apex, h.Name) {
			// A reverse zone (PTR records) is served too; any other
			// name outside the domain is refused.
			if !isReverse(h.Name) {
				return nil, fmt.Errorf("zone: %s is outside %s", h.Name, apex)
			}
			z.origins[reverseZone(h.Name)] = true
		}
		z.records[h.Name] = append(z.records[h.Name], rr)
	}
	if err := zp.Err(); err != nil {
		return nil, fmt.Errorf("zone: %w", err)
	}
	return z, nil
}

// Records returns the seeded records of name (lower-case, fully
// qualified).
func (z *Zone) Records(name string) []dns.RR { return z.records[name] }

// Authority returns the apex of the zone name is in, or "" when the server
// is not authoritative for it.
func (z *Zone) Authority(name string) string {
	for o := name; ; {
		if z.origins[o] {
			return o
		}
		i, end := dns.NextLabel(o, 0)
		if end {
			return ""
		}
		o = o[i:]
	}
}

func isReverse(name string) bool {
	return dns.IsSubDomain("in-addr.arpa.", name) || dns.IsSubDomain("ip6.arpa.", name)
}

// reverseZone is the zone a reverse name is served in: in-addr.arpa. or
// ip6.arpa. as a whole (a test zone has no delegations to honour).
func reverseZone(name string) string {
	if dns.IsSubDomain("in-addr.arpa.", name) {
		return "in-addr.arpa."
	}
	return "ip6.arpa."
}
