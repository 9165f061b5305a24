package catalog

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/testbed-dev/testbed/servers/testca"
)

// loopbackKind is a kind running on 127.0.0.1 in the test's process.
type loopbackKind struct {
	addrs  map[string]string // by port key
	pool   *x509.CertPool    // trusts the server's certificate
	caFile string
	log    *imapKindLog
	stop   func() error // cancels Run and returns its error
	resets chan chan<- error
}

// reset restarts the kind in its seeded state (RunResettable).
func (r *loopbackKind) reset(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := Reset(ctx, r.resets); err != nil {
		t.Fatalf("Reset() = %v", err)
	}
}

func (r *loopbackKind) clientTLS() *tls.Config {
	return &tls.Config{RootCAs: r.pool, ServerName: "127.0.0.1"}
}

// runKindOnLoopback runs kind name with opts on free ports of 127.0.0.1,
// with a certificate from a test CA when withTLS, and a dialer when given.
func runKindOnLoopback(t *testing.T, name string, opts map[string]string, withTLS bool, dialer Dialer) *loopbackKind {
	t.Helper()
	k, ok := New().Kind(name)
	if !ok {
		t.Fatalf("Kind(%q) missing from the catalogue", name)
	}
	resolved, err := k.ResolveOptions(opts)
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
	r := &loopbackKind{addrs: map[string]string{}, log: &imapKindLog{}, resets: make(chan chan<- error)}
	for key, l := range ls {
		r.addrs[key] = l.Addr().String()
	}
	for key, pc := range pcs {
		r.addrs[key] = pc.LocalAddr().String()
	}
	env := Env{Listeners: ls, Packets: pcs, Options: resolved, Dialer: dialer,
		Logger: slog.New(slog.NewTextHandler(r.log, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	if withTLS {
		ca, err := testca.New(name + " kind test CA")
		if err != nil {
			t.Fatal(err)
		}
		if env.TLS, err = ca.TLSConfig("localhost", "127.0.0.1"); err != nil {
			t.Fatal(err)
		}
		r.pool = ca.Pool()
		r.caFile = filepath.Join(t.TempDir(), "ca.pem")
		if err := os.WriteFile(r.caFile, ca.CertPEM(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- k.RunResettable(ctx, env, r.resets) }()
	var once sync.Once
	var runErr error
	r.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(10 * time.Second):
				buf := make([]byte, 1<<20)
				t.Errorf("Run() still running 10s after cancel; goroutines:\n%s", buf[:runtime.Stack(buf, true)])
			}
		})
		return runErr
	}
	t.Cleanup(func() { r.stop() })
	return r
}

// dialRunningKind connects to the kind's port key, over TLS when cfg is set.
func dialRunningKind(t *testing.T, r *loopbackKind, key string, cfg *tls.Config) net.Conn {
	t.Helper()
	var c net.Conn
	var err error
	if cfg != nil {
		c, err = tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", r.addrs[key], cfg)
	} else {
		c, err = net.DialTimeout("tcp", r.addrs[key], 5*time.Second)
	}
	if err != nil {
		t.Fatalf("dial %s: %v", key, err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c
}
