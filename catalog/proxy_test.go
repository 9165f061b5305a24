package catalog

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/testbed-dev/testbed/servers/netpolicy"
)

// runRelayKindForTest runs the kind called name (proxy or socks) on
// 127.0.0.1:0 listeners with dialer, and returns its addresses by port key.
// The run is stopped, and must end with nil, at the end of the test.
func runRelayKindForTest(t *testing.T, name string, dialer Dialer) map[string]string {
	t.Helper()
	k, ok := New().Kind(name)
	if !ok {
		t.Fatalf("Kind(%q) missing from the catalogue", name)
	}
	opts, err := k.ResolveOptions(nil)
	if err != nil {
		t.Fatalf("ResolveOptions() = %v", err)
	}
	override := map[string]int{}
	for _, p := range k.Ports {
		override[p.Key()] = 0
	}
	ls, pcs, err := k.Listen("127.0.0.1", override)
	if err != nil {
		t.Fatalf("Listen() = %v", err)
	}
	addrs := map[string]string{}
	for key, l := range ls {
		addrs[key] = l.Addr().String()
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- k.Run(ctx, Env{Listeners: ls, Packets: pcs, Options: opts, Dialer: dialer, Logger: slog.New(slog.DiscardHandler)})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run() after cancel = %v, want nil", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("Run() still running 10s after cancel")
		}
	})
	return addrs
}

// relayTarget is an HTTP server reachable as "web:80" through the returned
// policy.
func relayTarget(t *testing.T) *netpolicy.Policy {
	t.Helper()
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello from web")
	}))
	t.Cleanup(web.Close)
	return &netpolicy.Policy{Domain: "testbed.test", Map: map[string]string{"web:80": web.Listener.Addr().String()}}
}

func TestProxyKindRun(t *testing.T) {
	addrs := runRelayKindForTest(t, "proxy", relayTarget(t))
	get := func(t *testing.T, proxyAddr, user, pass, target string) (int, string) {
		t.Helper()
		u := &url.URL{Scheme: "http", Host: proxyAddr}
		if user != "" {
			u.User = url.UserPassword(user, pass)
		}
		tr := &http.Transport{Proxy: http.ProxyURL(u)}
		defer tr.CloseIdleConnections()
		resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Get(target)
		if err != nil {
			t.Fatalf("Get(%s) via %s = %v", target, proxyAddr, err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	tests := []struct {
		name, port, user, pass, target string
		want                           int
	}{
		{"open", "3128/tcp", "", "", "http://web/", 200},
		{"open, forbidden", "3128/tcp", "", "", "http://example.com/", 403},
		{"auth, no credentials", "3129/tcp", "", "", "http://web/", 407},
		{"auth, wrong password", "3129/tcp", "foo", "baz", "http://web/", 407},
		{"auth, default credentials", "3129/tcp", "foo", "bar", "http://web/", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := get(t, addrs[tt.port], tt.user, tt.pass, tt.target)
			if status != tt.want {
				t.Fatalf("status = %d (%q), want %d", status, body, tt.want)
			}
			if status == 200 && body != "hello from web" {
				t.Errorf("body = %q, want \"hello from web\"", body)
			}
		})
	}
	// What the kind's Ready probe asks: GET / on each port.
	for port, want := range map[string]int{"3128/tcp": 200, "3129/tcp": 407} {
		resp, err := http.Get("http://" + addrs[port] + "/")
		if err != nil {
			t.Fatalf("GET / on %s = %v", port, err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET / on %s = %d, want %d (the Ready probe)", port, resp.StatusCode, want)
		}
	}
}

func TestProxyKindWithoutDialer(t *testing.T) {
	addrs := runRelayKindForTest(t, "proxy", nil)
	c, err := net.Dial("tcp", addrs["3128/tcp"])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "GET http://web/ HTTP/1.1\r\nHost: web\r\nConnection: close\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("ReadResponse() = %v", err)
	}
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("status without a dialer = %d, want 403", resp.StatusCode)
	}
}

func TestProxyKindDescription(t *testing.T) {
	k, _ := New().Kind("proxy")
	if got := k.Ready(nil); len(got.All) != 2 || got.All[0].HTTP.Port != 3128 || got.All[1].HTTP.Status != 407 {
		t.Errorf("Ready() = %+v, want HTTP 3128=200 and 3129=407", got)
	}
	if !k.SecretOption("password") || k.SecretOption("user") {
		t.Errorf("SecretOption: password must be secret, user not")
	}
	if !strings.Contains(k.Credentials, "foo / bar") {
		t.Errorf("Credentials = %q, want foo / bar", k.Credentials)
	}
}
