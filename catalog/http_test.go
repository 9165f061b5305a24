package catalog

import (
	"bytes"
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/testbed-dev/testbed/servers/testca"
)

// runHTTPKindForTest binds the http kind's ports on 127.0.0.1, runs it with
// tlsCfg and opts, and returns the listeners' addresses, a stop function
// that returns Run's error, and the log.
func runHTTPKindForTest(t *testing.T, opts map[string]string, tlsCfg *tls.Config) (map[string]string, func() error, *httpKindLog) {
	t.Helper()
	k := httpKind()
	resolved, err := k.ResolveOptions(opts)
	if err != nil {
		t.Fatalf("ResolveOptions() = %v", err)
	}
	ls, pcs, err := k.Listen("127.0.0.1", map[string]int{"80/tcp": 0, "443/tcp": 0})
	if err != nil {
		t.Fatalf("Listen() = %v", err)
	}
	addrs := map[string]string{}
	for key, l := range ls {
		addrs[key] = l.Addr().String()
	}
	logBuf := &httpKindLog{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- k.Run(ctx, Env{
			Listeners: ls, Packets: pcs, Options: resolved, TLS: tlsCfg,
			Logger: slog.New(slog.NewTextHandler(logBuf, nil)),
		})
	}()
	stopped := false
	var runErr error
	stop := func() error {
		if !stopped {
			stopped = true
			cancel()
			runErr = <-done
		}
		return runErr
	}
	t.Cleanup(func() { stop() })
	return addrs, stop, logBuf
}

// httpKindLog is a log buffer safe for the server's goroutines and the test.
type httpKindLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *httpKindLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *httpKindLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func TestHTTPKindRun(t *testing.T) {
	ca, err := testca.New("catalog test CA")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ca.TLSConfig("localhost", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	addrs, stop, _ := runHTTPKindForTest(t, map[string]string{"user": "u1", "password": "p1", "data-dir": t.TempDir()}, cfg)

	client := &http.Client{Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: ca.Pool()},
		ForceAttemptHTTP2: true,
	}}
	defer client.CloseIdleConnections()
	for _, u := range []string{"http://" + addrs["80/tcp"] + "/", "https://" + addrs["443/tcp"] + "/"} {
		resp, err := client.Get(u)
		if err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("GET %s = %d, want 200", u, resp.StatusCode)
		}
		if strings.HasPrefix(u, "https") && resp.ProtoMajor != 2 {
			t.Errorf("GET %s over HTTP/%d, want 2", u, resp.ProtoMajor)
		}
	}
	// The options reach the server.
	for _, c := range []struct {
		user, pass string
		want       int
	}{{"u1", "p1", 200}, {"httptest", "httptest", 401}} {
		req, _ := http.NewRequest("GET", "http://"+addrs["80/tcp"]+"/auth/basic/", nil)
		req.SetBasicAuth(c.user, c.pass)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("Basic %s/%s = %d, want %d", c.user, c.pass, resp.StatusCode, c.want)
		}
	}
	client.CloseIdleConnections()
	if err := stop(); err != nil {
		t.Errorf("Run() after cancel = %v, want nil", err)
	}
	if _, err := net.DialTimeout("tcp", addrs["80/tcp"], time.Second); err == nil {
		t.Error("port 80 still accepts after Run returned")
	}
}

func TestHTTPKindWithoutTLS(t *testing.T) {
	addrs, stop, logBuf := runHTTPKindForTest(t, nil, nil)
	resp, err := http.Get("http://" + addrs["80/tcp"] + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET / = %d, want 200", resp.StatusCode)
	}
	if c, err := net.DialTimeout("tcp", addrs["443/tcp"], time.Second); err == nil {
		c.Close()
		t.Error("port 443 accepts without TLS, want it closed")
	}
	if err := stop(); err != nil {
		t.Errorf("Run() = %v, want nil", err)
	}
	if !strings.Contains(logBuf.String(), "443 is not served") {
		t.Errorf("log = %q, want a warning about 443", logBuf.String())
	}
}

func TestHTTPKindServeError(t *testing.T) {
	k := httpKind()
	opts, _ := k.ResolveOptions(nil)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l.Close() // Serve fails at once
	err = k.Run(context.Background(), Env{Listeners: map[string]net.Listener{"80/tcp": l}, Options: opts, Logger: slog.New(slog.DiscardHandler)})
	if err == nil {
		t.Error("Run() on a closed listener = nil, want error")
	}
	if err := k.Run(context.Background(), Env{Options: opts, Logger: slog.New(slog.DiscardHandler)}); err == nil {
		t.Error("Run() without listeners = nil, want error")
	}
}

func TestHTTPKindDescription(t *testing.T) {
	k, ok := New().Kind("http")
	if !ok {
		t.Fatal(`Kind("http") missing from the catalogue`)
	}
	if _, err := k.ResolveOptions(map[string]string{"nope": "x"}); err == nil {
		t.Error("ResolveOptions(nope) = nil error, want unknown option")
	}
	opts, err := k.ResolveOptions(map[string]string{"user": "x"})
	if err != nil || opts["user"] != "x" || opts["password"] != "httptest" || opts["data-dir"] != "" {
		t.Errorf("ResolveOptions(user=x) = %v, %v", opts, err)
	}
	if !k.SecretOption("password") {
		t.Error(`SecretOption("password") = false, want true`)
	}
	p := k.Ready(opts)
	if len(p.All) != 2 || p.All[0].HTTP == nil || p.All[0].HTTP.Port != 80 || p.All[1].HTTP == nil || !p.All[1].HTTP.TLS || p.All[1].HTTP.Port != 443 {
		t.Errorf("Ready() = %+v, want all of http 80 and https 443", p)
	}
	var keys []string
	for _, port := range k.Ports {
		keys = append(keys, port.Key())
	}
	if got := strings.Join(keys, " "); got != "80/tcp 443/tcp" {
		t.Errorf("ports = %s, want 80/tcp 443/tcp", got)
	}
}
