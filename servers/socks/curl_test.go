package socks

import (
	"strings"
	"testing"

	"github.com/testbed-dev/testbed/servers/internal/servertest"
)

func TestCurl(t *testing.T) {
	e := newEnv(t)
	open := start(t, Options{Dialer: e.policy})
	authed := start(t, Options{Dialer: e.policy, User: "qsockstest", Password: "password"})
	// Every case names its destination so that curl leaves resolution to the
	// server (--socks5-hostname, --socks4a): curl itself resolves nothing.
	tests := []struct {
		name    string
		args    []string
		wantErr bool
	}{
		{"socks5-hostname", []string{"--socks5-hostname", open, "http://web/"}, false},
		{"socks5h URL", []string{"-x", "socks5h://" + open, "http://web.testbed.test/"}, false},
		{"socks4a", []string{"--socks4a", open, "http://web/"}, false},
		{"proxy-user", []string{"--socks5-hostname", authed, "--proxy-user", "qsockstest:password", "http://web/"}, false},
		{"wrong password", []string{"--socks5-hostname", authed, "--proxy-user", "qsockstest:wrong", "http://web/"}, true},
		{"no credentials", []string{"--socks5-hostname", authed, "http://web/"}, true},
		{"forbidden", []string{"--socks5-hostname", open, "http://example.com/"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := servertest.Curl(t, tt.args...)
			if tt.wantErr {
				if err == nil {
					t.Errorf("curl %s = %q, want a failure", strings.Join(tt.args, " "), out)
				}
				return
			}
			if err != nil || out != "hello from web" {
				t.Errorf("curl %s = %q, %v; want \"hello from web\"", strings.Join(tt.args, " "), out, err)
			}
		})
	}
}
