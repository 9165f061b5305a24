package dnsd_test

import (
	"net"
	"net/netip"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/testbed-dev/testbed/internal/clienttest"
	"github.com/testbed-dev/testbed/servers/dnsd"
)

const testZone = `
@          MX    10 mail
www        CNAME web
far        CNAME example.com.
txt        TXT   "hello" "world"
_http._tcp SRV   0 5 80 web
ipv6       AAAA  2001:db8::1
@          CAA   0 issue "testbed"
1.2.0.192.in-addr.arpa. PTR web
`

// start runs a server for testbed.test with one server, web, on
// 127.0.0.1, and returns its UDP and TCP addresses (the same port).
func start(t *testing.T) string {
	t.Helper()
	srv, err := dnsd.New(dnsd.Options{
		Domain:    "testbed.test",
		Zone:      testZone,
		Hosts:     dnsd.StaticHosts{Names: map[string]bool{"web.testbed.test": true}, Addrs: []netip.Addr{netip.MustParseAddr("127.0.0.1")}},
		SlowDelay: 300 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	var pc net.PacketConn
	var l net.Listener
	for range 10 { // the same port number free for UDP and TCP
		if pc, err = net.ListenPacket("udp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		if l, err = net.Listen("tcp", pc.LocalAddr().String()); err == nil {
			break
		}
		pc.Close()
	}
	if l == nil {
		t.Fatal("no port free for both UDP and TCP")
	}
	done := make(chan error, 2)
	go func() { done <- srv.ServePacket(pc) }()
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
		for range 2 {
			if err := <-done; err != nil {
				t.Errorf("Serve() after Close = %v, want nil", err)
			}
		}
	})
	return l.Addr().String()
}

func query(t *testing.T, addr, network, name string, qtype uint16) *dns.Msg {
	t.Helper()
	c := &dns.Client{Net: network, Timeout: 5 * time.Second}
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	var r *dns.Msg
	var err error
	for range 20 { // UDP: the server may still be starting
		if r, _, err = c.Exchange(m, addr); err == nil {
			return r
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("query %s %s over %s: %v", name, dns.TypeToString[qtype], network, err)
	return nil
}

func TestAnswers(t *testing.T) {
	addr := start(t)
	tests := []struct {
		name  string
		qtype uint16
		rcode int
		want  string // the answer section, records joined by " | ", without TTL fields
	}{
		{"web.testbed.test.", dns.TypeA, dns.RcodeSuccess, "web.testbed.test. IN A 127.0.0.1"},
		{"WEB.testbed.test.", dns.TypeA, dns.RcodeSuccess, "web.testbed.test. IN A 127.0.0.1"},
		{"web.testbed.test.", dns.TypeMX, dns.RcodeSuccess, ""},
		{"www.testbed.test.", dns.TypeA, dns.RcodeSuccess, "www.testbed.test. IN CNAME web.testbed.test. | web.testbed.test. IN A 127.0.0.1"},
		{"far.testbed.test.", dns.TypeA, dns.RcodeSuccess, "far.testbed.test. IN CNAME example.com."},
		{"testbed.test.", dns.TypeMX, dns.RcodeSuccess, "testbed.test. IN MX 10 mail.testbed.test."},
		{"testbed.test.", dns.TypeCAA, dns.RcodeSuccess, "testbed.test. IN CAA 0 issue \"testbed\""},
		{"txt.testbed.test.", dns.TypeTXT, dns.RcodeSuccess, "txt.testbed.test. IN TXT \"hello\" \"world\""},
		{"_http._tcp.testbed.test.", dns.TypeSRV, dns.RcodeSuccess, "_http._tcp.testbed.test. IN SRV 0 5 80 web.testbed.test."},
		{"ipv6.testbed.test.", dns.TypeAAAA, dns.RcodeSuccess, "ipv6.testbed.test. IN AAAA 2001:db8::1"},
		{"1.2.0.192.in-addr.arpa.", dns.TypePTR, dns.RcodeSuccess, "1.2.0.192.in-addr.arpa. IN PTR web.testbed.test."},
		{"2.2.0.192.in-addr.arpa.", dns.TypePTR, dns.RcodeNameError, ""},
		{"nope.testbed.test.", dns.TypeA, dns.RcodeNameError, ""},
		{"servfail.testbed.test.", dns.TypeA, dns.RcodeServerFailure, ""},
		{"example.com.", dns.TypeA, dns.RcodeRefused, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name+dns.TypeToString[tt.qtype], func(t *testing.T) {
			for _, network := range []string{"udp", "tcp"} {
				r := query(t, addr, network, tt.name, tt.qtype)
				var got []string
				for _, rr := range r.Answer {
					f := strings.Fields(rr.String())
					got = append(got, strings.Join(append(f[:1], f[2:]...), " "))
				}
				if r.Rcode != tt.rcode || strings.Join(got, " | ") != tt.want {
					t.Errorf("%s: %s %s = %s %q, want %s %q", network, tt.name, dns.TypeToString[tt.qtype],
						dns.RcodeToString[r.Rcode], got, dns.RcodeToString[tt.rcode], tt.want)
				}
				if tt.rcode == dns.RcodeNameError && (len(r.Ns) != 1 || r.Ns[0].Header().Rrtype != dns.TypeSOA) && strings.HasSuffix(tt.name, "testbed.test.") {
					t.Errorf("%s: NXDOMAIN without the SOA: %v", network, r.Ns)
				}
			}
		})
	}
}

func TestTruncationAndSlow(t *testing.T) {
	addr := start(t)
	udp := query(t, addr, "udp", "truncated.testbed.test.", dns.TypeTXT)
	if !udp.Truncated {
		t.Errorf("over UDP: TC = false with %d records, want truncated", len(udp.Answer))
	}
	tcp := query(t, addr, "tcp", "truncated.testbed.test.", dns.TypeTXT)
	if tcp.Truncated || len(tcp.Answer) != 16 {
		t.Errorf("over TCP: TC = %v, %d records; want every record", tcp.Truncated, len(tcp.Answer))
	}
	start := time.Now()
	r := query(t, addr, "udp", "slow.testbed.test.", dns.TypeA)
	if d := time.Since(start); d < 300*time.Millisecond || len(r.Answer) != 1 {
		t.Errorf("slow: %d answers after %s, want one after at least 300ms", len(r.Answer), d)
	}
}

// TestDig asks with dig (bind9-dnsutils), which retries over TCP by
// itself when an answer comes back truncated.
func TestDig(t *testing.T) {
	digPath := clienttest.Tool(t, "dig", "bind9-dnsutils")
	addr := start(t)
	host, port, _ := net.SplitHostPort(addr)
	dig := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(digPath, append([]string{"@" + host, "-p", port, "+time=5", "+tries=2"}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("dig %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	if got := strings.TrimSpace(dig("+short", "www.testbed.test", "A")); got != "web.testbed.test.\n127.0.0.1" {
		t.Errorf("dig +short www A = %q", got)
	}
	if got := strings.TrimSpace(dig("+short", "+tcp", "_http._tcp.testbed.test", "SRV")); got != "0 5 80 web.testbed.test." {
		t.Errorf("dig +short +tcp SRV = %q", got)
	}
	if got := dig("nope.testbed.test"); !strings.Contains(got, "status: NXDOMAIN") {
		t.Errorf("dig nope: %s", got)
	}
	// dig reports the truncated UDP answer and retries over TCP.
	out := dig("truncated.testbed.test", "TXT")
	if !strings.Contains(out, "Truncated, retrying in TCP mode") || strings.Count(out, "\tTXT\t") != 16 {
		t.Errorf("dig truncated TXT: want a retry over TCP and 16 records:\n%s", out)
	}
	if got := strings.TrimSpace(dig("+short", "-x", "192.0.2.1")); got != "web.testbed.test." {
		t.Errorf("dig -x 192.0.2.1 = %q", got)
	}
}
