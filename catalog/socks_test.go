package catalog

import (
	"bytes"
	"io"
	"net"
	"regexp"
	"testing"
	"time"

	"golang.org/x/net/proxy"
)

func TestSocksKindRun(t *testing.T) {
	addrs := runRelayKindForTest(t, "socks", relayTarget(t))
	tests := []struct {
		name, port string
		auth       *proxy.Auth
		dest       string
		ok         bool
	}{
		{"open", "1080/tcp", nil, "web:80", true},
		{"open, forbidden", "1080/tcp", nil, "example.com:80", false},
		{"auth, no credentials", "1081/tcp", nil, "web:80", false},
		{"auth, wrong password", "1081/tcp", &proxy.Auth{User: "qsockstest", Password: "wrong"}, "web:80", false},
		{"auth, default credentials", "1081/tcp", &proxy.Auth{User: "qsockstest", Password: "password"}, "web:80", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := proxy.SOCKS5("tcp", addrs[tt.port], tt.auth, proxy.Direct)
			if err != nil {
				t.Fatal(err)
			}
			c, err := d.Dial("tcp", tt.dest)
			if !tt.ok {
				if err == nil {
					c.Close()
					t.Fatalf("Dial(%s) succeeded, want an error", tt.dest)
				}
				return
			}
			if err != nil {
				t.Fatalf("Dial(%s) = %v", tt.dest, err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(10 * time.Second))
			io.WriteString(c, "GET / HTTP/1.0\r\nHost: web\r\n\r\n")
			resp, _ := io.ReadAll(c)
			if !bytes.Contains(resp, []byte("hello from web")) {
				t.Errorf("answer through the tunnel = %q, want hello from web", resp)
			}
		})
	}
	// What the kind's Ready probe does: send, and match the first bytes.
	k, _ := New().Kind("socks")
	for _, p := range k.Ready(nil).All {
		b := p.Banner
		c, err := net.Dial("tcp", addrs[portKey(b.Port)])
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		io.WriteString(c, b.Send)
		got := make([]byte, 2)
		_, err = io.ReadFull(c, got)
		c.Close()
		if err != nil || !regexp.MustCompile(b.Expect).Match(got) {
			t.Errorf("banner probe on %d: got %x, %v; want a match of %q", b.Port, got, err, b.Expect)
		}
	}
}

func portKey(port int) string { return PortInfo{Port: port, Proto: "tcp"}.Key() }

func TestSocksKindWithoutDialer(t *testing.T) {
	addrs := runRelayKindForTest(t, "socks", nil)
	c, err := net.Dial("tcp", addrs["1080/tcp"])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	c.Write([]byte{5, 1, 0, 5, 1, 0, 3, 3, 'w', 'e', 'b', 0, 80})
	got := make([]byte, 4)
	if _, err := io.ReadFull(c, got); err != nil || got[3] != 0x02 {
		t.Errorf("reply without a dialer = %x, %v; want code 0x02 (not allowed)", got, err)
	}
}
