package mqttd

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

// broker is a Server on 127.0.0.1, plain and TLS, with the default users.
type broker struct {
	plain, secure string
	pool          *x509.CertPool
	caFile        string
	log           *servertest.LogBuffer
}

func (b *broker) clientTLS() *tls.Config {
	return &tls.Config{RootCAs: b.pool, ServerName: "127.0.0.1"}
}

func startBroker(t testing.TB) *broker {
	t.Helper()
	ca, err := testca.New("mqttd test CA")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ca.TLSConfig("localhost", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, ca.CertPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	log := &servertest.LogBuffer{}
	users := NewUsers([]User{
		{Name: DefaultUser, Password: DefaultPassword},
		{Name: DefaultRestrictedUser, Password: DefaultRestrictedPassword, Topics: []string{DefaultRestrictedTopics}},
	}, true)
	srv, err := New(Options{Users: users, TLS: cfg, Logger: slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	l1, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, serve := range []func() error{func() error { return srv.Serve(l1) }, func() error { return srv.ServeTLS(l2) }} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := serve(); err != nil {
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
	return &broker{plain: l1.Addr().String(), secure: l2.Addr().String(), pool: ca.Pool(), caFile: caFile, log: log}
}

// needTool skips (or fails in CI) without a Debian-packaged client.
func needTool(t *testing.T, name, pkg string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed (Debian package %s)", name, pkg)
		}
		t.Skipf("%s is not installed (Debian package %s)", name, pkg)
	}
}

// hostPort splits "127.0.0.1:1883".
func hostPort(t *testing.T, addr string) (string, string) {
	t.Helper()
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return h, p
}

// mosquitto runs mosquitto_pub or mosquitto_sub with a deadline.
func mosquitto(t *testing.T, tool string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, tool, args...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}
