package socks

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/proxy"
)

// roundTrip checks that c echoes what is written to it.
func roundTrip(t *testing.T, c net.Conn) {
	t.Helper()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, "ping"); err != nil {
		t.Fatalf("Write() = %v", err)
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("Read() = %q, %v; want \"ping\"", buf, err)
	}
}

func TestXNetProxy(t *testing.T) {
	e := newEnv(t)
	open := start(t, Options{Dialer: e.policy})
	authed := start(t, Options{Dialer: e.policy, User: "qsockstest", Password: "password"})
	tests := []struct {
		name    string
		server  string
		auth    *proxy.Auth
		dest    string
		wantErr string // "" for success
	}{
		{"no auth, name", open, nil, "echo:7", ""},
		{"no auth, fqdn", open, nil, "echo.testbed.test:7", ""},
		{"no auth, address", open, nil, e.echo, ""},
		{"no auth server ignores offered credentials", open, &proxy.Auth{User: "x", Password: "y"}, "echo:7", ""},
		{"auth", authed, &proxy.Auth{User: "qsockstest", Password: "password"}, "echo:7", ""},
		{"auth, wrong password", authed, &proxy.Auth{User: "qsockstest", Password: "wrong"}, "echo:7", "authentication failed"},
		{"auth, no credentials", authed, nil, "echo:7", "no acceptable authentication methods"},
		{"forbidden name", open, nil, "example.com:80", "not allowed by ruleset"},
		{"forbidden localhost", open, nil, "localhost:7", "not allowed by ruleset"},
		{"forbidden address", open, nil, "10.0.0.1:80", "not allowed by ruleset"},
		{"refused", open, nil, "down:80", "connection refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := proxy.SOCKS5("tcp", tt.server, tt.auth, proxy.Direct)
			if err != nil {
				t.Fatalf("SOCKS5() = %v", err)
			}
			c, err := d.Dial("tcp", tt.dest)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Dial(%s) = %v, want an error containing %q", tt.dest, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Dial(%s) = %v", tt.dest, err)
			}
			defer c.Close()
			roundTrip(t, c)
		})
	}
	if e.echo6 != "" {
		t.Run("IPv6 address", func(t *testing.T) {
			d, _ := proxy.SOCKS5("tcp", open, nil, proxy.Direct)
			c, err := d.Dial("tcp", e.echo6)
			if err != nil {
				t.Fatalf("Dial(%s) = %v", e.echo6, err)
			}
			defer c.Close()
			roundTrip(t, c)
		})
	}
}
