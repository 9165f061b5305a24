package netpolicy

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/testbed-dev/testbed/servers/internal/servertest"
)

func addrs(s ...string) []netip.Addr {
	out := make([]netip.Addr, 0, len(s))
	for _, a := range s {
		out = append(out, netip.MustParseAddr(a))
	}
	return out
}

func TestCheck(t *testing.T) {
	dns := startFakeDNS(t, map[string][]netip.Addr{
		"web.testbed.test":     addrs("172.30.0.2"),
		"web":                  addrs("172.30.0.2"),
		"testbed.test":         addrs("172.30.0.1"),
		"v6.testbed.test":      addrs("fd00:7e57::6"),
		"outside.testbed.test": addrs("10.9.9.9"),
		"mixed.testbed.test":   addrs("10.9.9.9", "172.30.0.3"),
		"loop.testbed.test":    addrs("127.0.0.1"),
	})
	p := &Policy{
		Domain:   "testbed.test",
		Names:    []string{"web", "Alias"},
		Nets:     []netip.Prefix{netip.MustParsePrefix("172.30.0.0/16"), netip.MustParsePrefix("fd00:7e57::/64")},
		Map:      map[string]string{"mapped:80": "127.0.0.1:8080", "ftp.testbed.test:21": "127.0.0.1:2121"},
		Resolver: dns.resolver(),
	}
	tests := []struct {
		host      string
		port      int
		want      string // "" when an error is expected
		forbidden bool   // the error wraps ErrForbidden
		resolves  bool   // the name may be sent to DNS
	}{
		{host: "localhost", port: 80, forbidden: true},
		{host: "example.com", port: 80, forbidden: true},
		{host: "10.0.0.1", port: 80, forbidden: true},
		{host: "127.0.0.1", port: 80, forbidden: true},
		{host: "::1", port: 80, forbidden: true},
		{host: "::ffff:10.0.0.1", port: 80, forbidden: true},
		{host: "fe80::1%lo", port: 80, forbidden: true},
		{host: "127.1", port: 80, forbidden: true},
		{host: "", port: 80, forbidden: true},
		{host: "eviltestbed.test", port: 80, forbidden: true},
		{host: "testbed.test.example.com", port: 80, forbidden: true},
		{host: "mapped", port: 81, forbidden: true},
		{host: "127.0.0.1", port: 8080, want: "127.0.0.1:8080"},
		{host: "172.30.0.9", port: 80, want: "172.30.0.9:80"},
		{host: "::ffff:172.30.0.9", port: 80, want: "172.30.0.9:80"},
		{host: "fd00:7e57::2", port: 443, want: "[fd00:7e57::2]:443"},
		{host: "mapped", port: 80, want: "127.0.0.1:8080"},
		{host: "MAPPED.", port: 80, want: "127.0.0.1:8080"},
		{host: "mapped.testbed.test", port: 80, want: "127.0.0.1:8080"},
		{host: "ftp", port: 21, want: "127.0.0.1:2121"},
		{host: "web.testbed.test", port: 80, want: "172.30.0.2:80", resolves: true},
		{host: "Web.TestBed.Test.", port: 80, want: "172.30.0.2:80", resolves: true},
		{host: "web", port: 80, want: "172.30.0.2:80", resolves: true},
		{host: "testbed.test", port: 80, want: "172.30.0.1:80", resolves: true},
		{host: "v6.testbed.test", port: 80, want: "[fd00:7e57::6]:80", resolves: true},
		{host: "mixed.testbed.test", port: 80, want: "172.30.0.3:80", resolves: true},
		{host: "outside.testbed.test", port: 80, forbidden: true, resolves: true},
		{host: "loop.testbed.test", port: 80, forbidden: true, resolves: true},
		{host: "missing.testbed.test", port: 80, resolves: true},
	}
	for _, tt := range tests {
		t.Run(net.JoinHostPort(tt.host, strconv.Itoa(tt.port)), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			before := dns.count()
			got, err := p.Check(ctx, tt.host, tt.port)
			if got != tt.want || (err != nil) != (tt.want == "") {
				t.Fatalf("Check() = %q, %v; want %q", got, err, tt.want)
			}
			if errors.Is(err, ErrForbidden) != tt.forbidden {
				t.Errorf("Check() error %v: errors.Is(ErrForbidden) = %v, want %v", err, !tt.forbidden, tt.forbidden)
			}
			if !tt.resolves && dns.count() != before {
				t.Errorf("Check(%q) sent a DNS query; want none", tt.host)
			}
		})
	}
	for _, name := range []string{"localhost", "example.com", "testbed.test.example.com", "eviltestbed.test", "mapped"} {
		if dns.asked(name) {
			t.Errorf("DNS was asked about %q; want never", name)
		}
	}
	if _, err := p.Check(context.Background(), "missing.testbed.test", 80); Classify(err) != ReasonHostUnreachable {
		t.Errorf("Classify(Check(missing)) = %v, want %v", Classify(err), ReasonHostUnreachable)
	}
	if _, err := p.Check(context.Background(), "web", 0); err == nil {
		t.Errorf("Check(port 0) = nil error, want one")
	}
}

// dialLog records every address a net.Dialer tried to connect to.
type dialLog struct {
	mu    sync.Mutex
	dials []string
}

func (l *dialLog) dialer() *net.Dialer {
	return &net.Dialer{Timeout: 5 * time.Second, Control: func(_, address string, _ syscall.RawConn) error {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.dials = append(l.dials, address)
		return nil
	}}
}

func (l *dialLog) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.dials)
}

// listen starts a TCP server on 127.0.0.1 that writes "hi" to each client.
func listen(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("Listen() = %v", err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("hi"))
			c.Close()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	return ln.Addr().String()
}

func TestDialContext(t *testing.T) {
	target := listen(t)
	_, port, _ := net.SplitHostPort(target)
	down := servertest.ClosedPort(t)
	dns := startFakeDNS(t, map[string][]netip.Addr{
		"web.testbed.test":     addrs("127.0.0.1"),
		"outside.testbed.test": addrs("10.9.9.9"),
	})
	var log dialLog
	p := &Policy{
		Domain:   "testbed.test",
		Names:    []string{"web"},
		Nets:     []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
		Map:      map[string]string{"mapped:80": target, "down:80": down},
		Resolver: dns.resolver(),
		Dialer:   log.dialer(),
	}
	tests := []struct {
		network, address string
		wantErr          error // nil: the dial succeeds and reads "hi"
		dials            bool  // a connection may be attempted
	}{
		{"tcp", "mapped:80", nil, true},
		{"tcp", "mapped.testbed.test:80", nil, true},
		{"tcp", target, nil, true},
		{"tcp4", "web.testbed.test:" + port, nil, true},
		{"tcp", "down:80", syscall.ECONNREFUSED, true},
		{"tcp", "example.com:80", ErrForbidden, false},
		{"tcp", "localhost:" + port, ErrForbidden, false},
		{"tcp", "10.0.0.1:80", ErrForbidden, false},
		{"tcp", "outside.testbed.test:80", ErrForbidden, false},
		{"udp", "mapped:80", ErrForbidden, false},
	}
	for _, tt := range tests {
		t.Run(tt.network+"/"+tt.address, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			before := log.count()
			c, err := p.DialContext(ctx, tt.network, tt.address)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("DialContext() = %v, want an error wrapping %v", err, tt.wantErr)
				}
				if !tt.dials && log.count() != before {
					t.Errorf("DialContext(%s) attempted a connection; want none", tt.address)
				}
				return
			}
			if err != nil {
				t.Fatalf("DialContext() = %v, want success", err)
			}
			defer c.Close()
			buf := make([]byte, 2)
			if _, err := c.Read(buf); err != nil || string(buf) != "hi" {
				t.Errorf("Read() = %q, %v; want \"hi\"", buf, err)
			}
		})
	}
	if _, err := p.DialContext(context.Background(), "tcp", "down:80"); Classify(err) != ReasonRefused {
		t.Errorf("Classify(dial refused port) = %v, want %v", Classify(err), ReasonRefused)
	}
}

func TestZeroPolicyRefusesEverything(t *testing.T) {
	target := listen(t)
	var p Policy
	for _, a := range []string{target, "localhost:80", "example.com:443"} {
		if _, err := p.DialContext(context.Background(), "tcp", a); !errors.Is(err, ErrForbidden) {
			t.Errorf("Policy{}.DialContext(%s) = %v, want ErrForbidden", a, err)
		}
	}
}

// TestNoNetsNoDNS checks that without Nets a testbed name that is not in
// Map is refused without a DNS query (the local driver's case).
func TestNoNetsNoDNS(t *testing.T) {
	dns := startFakeDNS(t, map[string][]netip.Addr{"web.testbed.test": addrs("127.0.0.1")})
	p := &Policy{Domain: "testbed.test", Names: []string{"web"}, Map: map[string]string{"ftp:21": "127.0.0.1:2121"}, Resolver: dns.resolver()}
	for _, host := range []string{"web.testbed.test", "web"} {
		if _, err := p.Check(context.Background(), host, 80); !errors.Is(err, ErrForbidden) {
			t.Errorf("Check(%s) = %v, want ErrForbidden", host, err)
		}
	}
	if got, err := p.Check(context.Background(), "ftp.testbed.test", 21); err != nil || got != "127.0.0.1:2121" {
		t.Errorf("Check(ftp.testbed.test:21) = %q, %v; want 127.0.0.1:2121", got, err)
	}
	if n := dns.count(); n != 0 {
		t.Errorf("DNS got %d queries, want none", n)
	}
}

func TestDenyAll(t *testing.T) {
	c, err := DenyAll{}.DialContext(context.Background(), "tcp", "127.0.0.1:80")
	if c != nil || !errors.Is(err, ErrForbidden) {
		t.Errorf("DenyAll.DialContext() = %v, %v; want nil, ErrForbidden", c, err)
	}
}

// TestGatewaySpellings: the gateway, edges of the subnet, link-local
// addresses and addresses no project container holds are refused in every
// spelling, and nothing is dialled.
func TestGatewaySpellings(t *testing.T) {
	dns := startFakeDNS(t, map[string][]netip.Addr{
		"gw.example.test": {netip.MustParseAddr("192.0.2.1")},
		"other":           {netip.MustParseAddr("192.0.2.7")},
	})
	log := &dialLog{}
	p := &Policy{
		Domain:   "testbed.test",
		Nets:     []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("fe80::/64")},
		Deny:     []netip.Addr{netip.MustParseAddr("192.0.2.1")},
		Network:  "proj",
		Resolver: dns.resolver(),
		Dialer:   log.dialer(),
	}
	for _, host := range []string{
		"192.0.2.1", "::ffff:192.0.2.1", "::ffff:c000:201", "[::ffff:192.0.2.1]",
		"3221225985", "0xc0000201", "0300.0.02.01", "0xc0.0.2.1", "192.0.513",
		"192.0.2.0", "192.0.2.255", "169.254.169.254", "fe80::1", "[fe80::1%eth0]",
		"192.0.2.7", "other", "gw.example.test", "224.0.0.1", "0.0.0.0", "::",
	} {
		t.Run(host, func(t *testing.T) {
			h := strings.Trim(host, "[]")
			if _, err := p.Check(context.Background(), h, 9); !errors.Is(err, ErrForbidden) {
				t.Errorf("Check(%s) = %v, want ErrForbidden", host, err)
			}
			if _, err := p.DialContext(context.Background(), "tcp", net.JoinHostPort(h, "9")); !errors.Is(err, ErrForbidden) {
				t.Errorf("DialContext(%s) = %v, want ErrForbidden", host, err)
			}
		})
	}
	if n := log.count(); n != 0 {
		t.Errorf("%d dials attempted, want none", n)
	}
}

// TestNetworkModeOutsideNames: with Network set, a dotted name outside the
// testbed that does not resolve is refused (403), not unreachable (502).
func TestNetworkModeOutsideNames(t *testing.T) {
	dns := startFakeDNS(t, map[string][]netip.Addr{})
	p := &Policy{
		Domain:   "testbed.test",
		Nets:     []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")},
		Network:  "proj",
		Resolver: dns.resolver(),
	}
	_, err := p.Check(context.Background(), "example.com", 80)
	if Classify(err) != ReasonForbidden {
		t.Errorf("Check(example.com) = %v, want forbidden", err)
	}
	_, err = p.Check(context.Background(), "nosuchserver", 80)
	if Classify(err) == ReasonForbidden || err == nil {
		t.Errorf("Check(nosuchserver) = %v, want a resolution failure", err)
	}
}
