package dnsd

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// The names that misbehave on purpose, as the first label under the domain.
const (
	nameServfail  = "servfail"
	nameSlow      = "slow"
	nameTruncated = "truncated"
)

// truncatedRecords is how many 250-byte TXT records truncated.DOMAIN has:
// 16 of them (over 4 KB) fit no UDP answer a resolver asks for.
const truncatedRecords = 16

// maxCNAMEChain bounds following CNAMEs inside the zone.
const maxCNAMEChain = 8

// ServeDNS implements dns.Handler.
func (s *Server) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	start := time.Now()
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	proto := w.RemoteAddr().Network()
	if len(req.Question) != 1 || req.Opcode != dns.OpcodeQuery {
		m.Rcode = dns.RcodeNotImplemented
		if req.Opcode == dns.OpcodeQuery {
			m.Rcode = dns.RcodeFormatError
		}
		m.Authoritative = false
		w.WriteMsg(m)
		s.log.Info("query", "proto", proto, "remote", w.RemoteAddr().String(), "rcode", dns.RcodeToString[m.Rcode])
		return
	}
	q := req.Question[0]
	name := strings.ToLower(q.Name)
	ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
	defer cancel()
	s.answer(ctx, m, name, q.Qtype)
	if name == nameSlow+"."+s.zone.apex {
		t := time.NewTimer(s.opts.SlowDelay)
		select {
		case <-t.C:
		case <-s.done:
			t.Stop()
			return
		}
	}
	size := dns.MinMsgSize
	if opt := req.IsEdns0(); opt != nil {
		size = max(int(opt.UDPSize()), dns.MinMsgSize)
		m.SetEdns0(uint16(size), false)
	}
	if proto == "udp" {
		m.Truncate(size)
	}
	if err := w.WriteMsg(m); err != nil {
		s.log.Warn("query: answer not sent", "proto", proto, "remote", w.RemoteAddr().String(), "err", err)
		return
	}
	s.log.Info("query", "proto", proto, "remote", w.RemoteAddr().String(), "name", name,
		"type", dns.TypeToString[q.Qtype], "rcode", dns.RcodeToString[m.Rcode],
		"answers", len(m.Answer), "truncated", m.Truncated, "duration", time.Since(start).Round(time.Millisecond))
}

// answer fills m with the answer to name/qtype.
func (s *Server) answer(ctx context.Context, m *dns.Msg, name string, qtype uint16) {
	apex := s.zone.Authority(name)
	if apex == "" {
		m.Rcode = dns.RcodeRefused
		m.Authoritative = false
		return
	}
	if apex == s.zone.apex {
		switch name {
		case nameServfail + "." + apex:
			m.Rcode = dns.RcodeServerFailure
			return
		case nameTruncated + "." + apex:
			if qtype == dns.TypeTXT || qtype == dns.TypeANY {
				m.Answer = truncatedAnswer(name, s.opts.TTL)
			}
			return
		case nameSlow + "." + apex:
			if qtype == dns.TypeA || qtype == dns.TypeANY {
				m.Answer = []dns.RR{&dns.A{Hdr: s.hdr(name, dns.TypeA), A: net.IPv4(192, 0, 2, 53)}}
			}
			return
		}
	}
	found := false
	for range maxCNAMEChain {
		rrs, exists := s.lookup(ctx, name, qtype)
		found = found || exists
		m.Answer = append(m.Answer, rrs...)
		// Follow a CNAME (unless it was asked for) while it stays in a
		// zone of this server.
		if len(rrs) != 1 || rrs[0].Header().Rrtype != dns.TypeCNAME || qtype == dns.TypeCNAME {
			break
		}
		name = strings.ToLower(rrs[0].(*dns.CNAME).Target)
		if s.zone.Authority(name) == "" {
			break
		}
	}
	if len(m.Answer) == 0 {
		if !found {
			m.Rcode = dns.RcodeNameError
		}
		if apex == s.zone.apex {
			m.Ns = []dns.RR{s.zone.soa}
		}
	}
}

// lookup returns name's records of qtype (or its CNAME), and whether name
// exists at all.
func (s *Server) lookup(ctx context.Context, name string, qtype uint16) ([]dns.RR, bool) {
	var out []dns.RR
	exists := false
	if name == s.zone.apex {
		exists = true
		if qtype == dns.TypeSOA || qtype == dns.TypeANY {
			out = append(out, s.zone.soa)
		}
	}
	for _, rr := range s.zone.Records(name) {
		exists = true
		t := rr.Header().Rrtype
		if t == qtype || qtype == dns.TypeANY {
			out = append(out, rr)
		} else if t == dns.TypeCNAME {
			return []dns.RR{rr}, true
		}
	}
	if len(out) > 0 || exists || s.opts.Hosts == nil || !dns.IsSubDomain(s.zone.apex, name) || name == s.zone.apex {
		return out, exists
	}
	// A server of the testbed: SERVER.DOMAIN (and deeper names the
	// engine knows, such as aliases).
	addrs, ok, err := s.opts.Hosts.LookupHost(ctx, strings.TrimSuffix(name, "."))
	if err != nil {
		s.log.Warn("query: server lookup failed", "name", name, "err", err)
	}
	if !ok {
		return nil, false
	}
	for _, a := range addrs {
		a = a.Unmap()
		switch {
		case a.Is4() && (qtype == dns.TypeA || qtype == dns.TypeANY):
			out = append(out, &dns.A{Hdr: s.hdr(name, dns.TypeA), A: net.IP(a.AsSlice())})
		case a.Is6() && (qtype == dns.TypeAAAA || qtype == dns.TypeANY):
			out = append(out, &dns.AAAA{Hdr: s.hdr(name, dns.TypeAAAA), AAAA: net.IP(a.AsSlice())})
		}
	}
	return out, true
}

func (s *Server) hdr(name string, t uint16) dns.RR_Header {
	return dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET, Ttl: s.opts.TTL}
}

func truncatedAnswer(name string, ttl uint32) []dns.RR {
	out := make([]dns.RR, truncatedRecords)
	for i := range out {
		txt := strings.Repeat(string(rune('a'+i)), 250)
		out[i] = &dns.TXT{Hdr: dns.RR_Header{Name: name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: ttl}, Txt: []string{txt}}
	}
	return out
}

// StaticHosts is a Hosts of fixed names (short or fully qualified), all at
// the same addresses: the local driver's, where every server is on the
// loopback address.
type StaticHosts struct {
	Names map[string]bool
	Addrs []netip.Addr
}

// LookupHost implements Hosts.
func (h StaticHosts) LookupHost(_ context.Context, name string) ([]netip.Addr, bool, error) {
	if !h.Names[strings.ToLower(name)] {
		return nil, false, nil
	}
	return h.Addrs, true, nil
}
