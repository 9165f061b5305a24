package probe

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// addrs is a Target that only knows addresses: container port -> host:port.
type addrs map[int]string

func (a addrs) Addr(port int, proto string) (string, error) {
	if proto != "tcp" {
		return "", fmt.Errorf("proto %q, want tcp", proto)
	}
	s, ok := a[port]
	if !ok {
		return "", fmt.Errorf("port %d/%s is not published", port, proto)
	}
	return s, nil
}

// fakeServer is a Target that also implements every extension interface,
// answering from its fields.
type fakeServer struct {
	addrs

	mu       sync.Mutex
	exitCode int    // Exec's result
	output   string // Exec's output
	execErr  error
	argv     []string // last Exec's argv
	logs     string
	logsErr  error
	health   string
	exited   bool
	code     int
}

func (f *fakeServer) Exec(_ context.Context, argv []string) (int, []byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.argv = argv
	return f.exitCode, []byte(f.output), f.execErr
}

func (f *fakeServer) Logs(context.Context) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return []byte(f.logs), f.logsErr
}

func (f *fakeServer) Health(context.Context) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.health, nil
}

func (f *fakeServer) Exited(context.Context) (bool, int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.exited, f.code, nil
}

var (
	_ Execer         = (*fakeServer)(nil)
	_ LogReader      = (*fakeServer)(nil)
	_ HealthReporter = (*fakeServer)(nil)
	_ ExitReporter   = (*fakeServer)(nil)
)

// serve listens on 127.0.0.1:0 (TLS with cfg when not nil) and runs handle
// for each connection until the test ends. It returns the address.
func serve(t testing.TB, cfg *tls.Config, handle func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("Listen() = %v", err)
	}
	if cfg != nil {
		ln = tls.NewListener(ln, cfg)
	}
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(context.Background())
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				stop := context.AfterFunc(ctx, func() { c.Close() })
				defer stop()
				handle(c)
				// Like a real server, keep the connection until the peer
				// is done: closing at once is what an engine's port proxy
				// does when nothing listens (see ProxyWindow).
				io.Copy(io.Discard, c)
			})
		}
	})
	t.Cleanup(func() {
		cancel()
		ln.Close()
		wg.Wait()
	})
	return ln.Addr().String()
}

// refused is an address on 127.0.0.1 where nothing listens.
func refused(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("Listen() = %v", err)
	}
	a := ln.Addr().String()
	ln.Close()
	return a
}

// testCA makes a CA and a certificate for 127.0.0.1 and localhost signed by
// it: the server's config, and a client config trusting the CA.
func testCA(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "probe test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(time.Hour),
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{leafDER}, PrivateKey: key}}}
	return server, &tls.Config{RootCAs: pool}
}

// untrusting is a client config that trusts no CA at all.
func untrusting() *tls.Config { return &tls.Config{RootCAs: x509.NewCertPool()} }

// probeFunc is a Probe made of a function, for testing Wait itself.
type probeFunc func(ctx context.Context) error

func (f probeFunc) Check(ctx context.Context, _ Target) error { return f(ctx) }
func (f probeFunc) String() string                            { return "func" }

// checkErr reports whether err matches want: "" wants nil, anything else a
// non-nil error containing it.
func checkErr(t *testing.T, name string, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Errorf("%s = %v, want nil", name, err)
	case want != "" && err == nil:
		t.Errorf("%s = nil, want error containing %q", name, want)
	case want != "" && !strings.Contains(err.Error(), want):
		t.Errorf("%s = %q, want it to contain %q", name, err, want)
	}
}

// isPermanent is errors.Is(err, ErrPermanent), for tables.
func isPermanent(err error) bool { return errors.Is(err, ErrPermanent) }
