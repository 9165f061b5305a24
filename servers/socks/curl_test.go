package socks

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// curl runs curl with no configuration file and no proxy from the
// environment, and returns its standard output.
func curl(t *testing.T, args ...string) (string, error) {
	t.Helper()
	path, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl not installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, append([]string{"-q", "-sS", "--max-time", "10"}, args...)...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	out, err := cmd.Output()
	return string(out), err
}

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
			out, err := curl(t, tt.args...)
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
