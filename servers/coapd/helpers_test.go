package coapd

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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
	lb := servertest.NewLoopback(t, srv.Close)
	ts.udp, ts.dtls = lb.Packet(srv.Serve), lb.Packet(srv.ServeDTLS)
	ts.tcp, ts.tls = lb.Stream(srv.ServeTCP), lb.Stream(srv.ServeTLS)
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
