// Package testbed brings throwaway network servers up for Go tests: HTTP and
// HTTPS, an HTTP proxy, SOCKS5, FTP, IMAP and echo/daytime/discard/chargen
// (the built-in default testbed), or any servers a spec file describes. It
// waits until every server really answers, hands the test their addresses
// and a CA that signed every certificate, and takes everything down when
// the test ends.
//
//	func TestDownload(t *testing.T) {
//		bed := testbed.Start(t, testbed.WithServers("http", "socks"))
//		resp, err := bed.HTTPClient().Get("https://" + bed.Addr("http", "443") + "/files/hello.txt")
//		...
//	}
//
// # Drivers
//
// With the local driver the built-in servers run inside the test binary, on
// 127.0.0.1, on random ports: no container engine is needed, and the default
// testbed is ready in tens of milliseconds. With the docker driver every
// server is a container on a network of its own, reachable through ports
// published on 127.0.0.1; servers described by an image or a Dockerfile need
// it. The default, "auto", is docker when an engine answers (DOCKER_HOST,
// like the docker CLI) and local otherwise; [WithDriver] or the
// TESTBED_DRIVER variable choose.
//
// Names work with both: every server has a host name in the testbed domain
// ([Bed.Host], "http.testbed.test"), and the proxy and socks servers reach
// the other servers by those names, with either driver.
//
// # The server binary for the docker driver
//
// The built-in servers run in containers as testbed's own static Linux
// binary, in an image made FROM scratch on the engine (no registry). Inside
// `go test` the running program is the test binary, not that one, so the
// first Start with the docker driver builds it: it asks the go command
// running the tests where this module's source is (`go list -m`, which
// follows replace directives and the module cache), builds ./cmd/testbed
// with CGO_ENABLED=0 for linux, and caches the result under the user cache
// directory, keyed by a hash of the source and the Go version. Later runs
// reuse it until the source changes. Set TESTBED_SERVER_BINARY to a static
// testbed binary to skip the build.
//
// # Isolation and clean-up
//
// Each [Start] gets a project name of its own (process id, counter, random
// suffix), so parallel tests and parallel packages never collide, and
// registers its teardown with t.Cleanup. A Start that cannot bring every
// server up fails the test at once with the server, the phase and the last
// lines of its log; it never waits longer than the servers' readiness
// timeouts (60s each unless the spec says otherwise) or [WithTimeout].
// Containers left by a test binary that was killed are found and removed by
// `testbed reap`.
//
// [WithKeep], or TESTBED_KEEP=1 in the environment, leaves the testbed up
// after the test for poking at; the test log says how to take it down.
//
// To share one testbed among a package's tests, bring it up in TestMain with
// [Main] (or [New] and [Bed.Close]).
package testbed

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/testbed-dev/testbed/endpoints"
)

// Bed is a running testbed.
type Bed struct {
	t          testing.TB // nil for New
	logf       func(string, ...any)
	project    string
	m          *endpoints.Manifest
	pool       *x509.CertPool
	keep       bool
	stop       func(ctx context.Context) error // takes the servers down; nil when kept
	tails      func(ctx context.Context) string
	client     *http.Client
	clientOnce sync.Once

	once     sync.Once
	closeErr error
}

// Start brings a testbed up for the test and registers its teardown with
// t.Cleanup. It fails the test (t.Fatalf) when a server does not come up,
// saying which one, why, and the last lines of its log.
func Start(t testing.TB, opts ...Option) *Bed {
	t.Helper()
	c := newConfig(opts)
	if c.logf == nil {
		c.logf = t.Logf
	}
	b, err := start(t.Context(), c, projectName(t.Name()))
	if err != nil {
		t.Fatalf("testbed.Start: %v", err)
	}
	b.t = t
	t.Cleanup(func() {
		if t.Failed() && b.tails != nil {
			if tail := b.tails(context.WithoutCancel(t.Context())); tail != "" {
				b.logf("testbed: the test failed; last lines of each server's log:\n%s", tail)
			}
		}
		if err := b.Close(); err != nil {
			t.Errorf("testbed: %v", err)
		}
	})
	return b
}

// New brings a testbed up outside a test (TestMain, examples, tools). The
// caller must Close it. ctx bounds the start only.
func New(ctx context.Context, opts ...Option) (*Bed, error) {
	c := newConfig(opts)
	if c.logf == nil {
		c.logf = func(string, ...any) {}
	}
	return start(ctx, c, projectName("shared"))
}

// Close takes the testbed down (unless it is kept) and removes its state.
// It is safe to call more than once; Start calls it at cleanup.
func (b *Bed) Close() error {
	b.once.Do(func() {
		b.clientOnce.Do(func() {}) // no client from here on
		if b.client != nil {
			b.client.CloseIdleConnections()
		}
		if b.keep {
			b.logf("testbed: kept project %s (%s driver) for debugging; take it down with: testbed -p %s down", b.project, b.m.Driver, b.project)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), removeTimeout)
		defer cancel()
		if err := b.stop(ctx); err != nil {
			b.closeErr = fmt.Errorf("take project %s down: %w", b.project, err)
		}
	})
	return b.closeErr
}

// Project is the testbed's project name, unique to this Start.
func (b *Bed) Project() string { return b.project }

// Driver is "local" or "docker".
func (b *Bed) Driver() string { return b.m.Driver }

// Manifest returns the endpoints: servers, host names, addresses, the CA
// file. It is the same JSON `testbed env --json` prints.
func (b *Bed) Manifest() *endpoints.Manifest { return b.m }

// Lookup returns the host address ("127.0.0.1:49153") of a server's port
// ("80/tcp", or "80" for tcp).
func (b *Bed) Lookup(server, port string) (string, error) { return b.m.Addr(server, port) }

// Addr is Lookup for tests: an unknown server or port fails the test (with
// New, it panics).
func (b *Bed) Addr(server, port string) string {
	a, err := b.m.Addr(server, port)
	if err != nil {
		b.fatalf("testbed: %v", err)
	}
	return a
}

// Host returns a server's host name in the testbed domain
// ("http.testbed.test"), which the proxy and socks servers resolve. An
// unknown server fails the test.
func (b *Bed) Host(server string) string {
	s, ok := b.m.Servers[server]
	if !ok {
		b.fatalf("testbed: no server %q in project %s (have %v)", server, b.project, b.m.Names())
		return ""
	}
	return s.Hostname
}

// Env returns the TESTBED_* variables (as `testbed env` prints them,
// KEY=value, sorted), to pass to a command: cmd.Env = append(os.Environ(), bed.Env()...).
func (b *Bed) Env() []string { return b.m.Env() }

// CAFile is the path of the project CA's certificate (PEM).
func (b *Bed) CAFile() string { return b.m.CAFile }

// CertPool holds the project CA.
func (b *Bed) CertPool() *x509.CertPool { return b.pool }

// TLSConfig returns a client configuration that trusts the project CA (a
// new one each call, for the caller to change).
func (b *Bed) TLSConfig() *tls.Config {
	return &tls.Config{RootCAs: b.pool, MinVersion: tls.VersionTLS12}
}

// TLSConfigFor returns a client configuration for one server: it trusts
// the project CA and verifies the server's certificate for its FQDN
// ("ftp.testbed.test"), whatever address it is dialled at. Use it where a
// client library dials an address and cannot tell the name (FTPS, IMAP
// with STARTTLS). An unknown server fails the test.
func (b *Bed) TLSConfigFor(server string) *tls.Config {
	c := b.TLSConfig()
	c.ServerName = b.Host(server)
	return c
}

// HTTPClient returns a client that trusts the project CA, offers HTTP/2 and
// uses no proxy from the environment. Close closes its idle connections.
func (b *Bed) HTTPClient() *http.Client {
	b.clientOnce.Do(func() {
		b.client = &http.Client{
			Transport: &http.Transport{TLSClientConfig: b.TLSConfig(), ForceAttemptHTTP2: true},
			Timeout:   httpTimeout,
		}
	})
	return b.client
}

func (b *Bed) fatalf(format string, args ...any) {
	if b.t != nil {
		b.t.Helper()
		b.t.Fatalf(format, args...)
		return
	}
	panic(fmt.Sprintf(format, args...))
}
