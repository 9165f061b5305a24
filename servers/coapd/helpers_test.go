package coapd

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/testbed-dev/testbed/servers/internal/servertest"
	"github.com/testbed-dev/testbed/servers/testca"
)

type testServer struct {
	udp, dtls string
	tcp, tls  string
	pool      *x509.CertPool
	caFile    string
	log       *servertest.LogBuffer
}

func (ts *testServer) clientTLS() *tls.Config {
	return &tls.Config{RootCAs: ts.pool, ServerName: "127.0.0.1"}
}

func startServer(t *testing.T) *testServer {
	t.Helper()
	ca, err := testca.New("coapd test CA")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ca.TLSConfig("localhost", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{pool: ca.Pool(), log: &servertest.LogBuffer{}}
	ts.caFile = filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(ts.caFile, ca.CertPEM(), 0o644)
	srv, err := New(Options{TLS: cfg, PSKIdentity: DefaultPSKIdentity, PSK: []byte(DefaultPSK),
		Logger: slog.New(slog.NewTextHandler(ts.log, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, p := range []struct {
		addr  *string
		serve func(net.PacketConn) error
	}{{&ts.udp, srv.Serve}, {&ts.dtls, srv.ServeDTLS}} {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		*p.addr = pc.LocalAddr().String()
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.serve(pc); err != nil {
				t.Errorf("Serve() = %v", err)
			}
		}()
	}
	for _, p := range []struct {
		addr  *string
		serve func(net.Listener) error
	}{{&ts.tcp, srv.ServeTCP}, {&ts.tls, srv.ServeTLS}} {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		*p.addr = l.Addr().String()
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.serve(l); err != nil {
				t.Errorf("Serve() = %v", err)
			}
		}()
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
		wg.Wait()
	})
	return ts
}

func needTool(t *testing.T, name, pkg string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed (Debian package %s)", name, pkg)
		}
		t.Skipf("%s is not installed (Debian package %s)", name, pkg)
	}
}

func run(t *testing.T, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}
