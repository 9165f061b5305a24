package imapd

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/testbed-dev/testbed/servers/testca"
)

// testCert is a test CA and a server certificate it issued for 127.0.0.1
// and localhost.
type testCert struct {
	server *tls.Config
	pool   *x509.CertPool // trusts the CA
	pem    []byte         // the CA certificate
}

func newTestCert(t testing.TB) *testCert {
	t.Helper()
	ca, err := testca.New("imapd test CA")
	if err != nil {
		t.Fatalf("testca.New() = %v", err)
	}
	server, err := ca.TLSConfig("localhost", "127.0.0.1", "::1")
	if err != nil {
		t.Fatalf("TLSConfig() = %v", err)
	}
	return &testCert{server: server, pool: ca.Pool(), pem: ca.CertPEM()}
}

// clientTLS trusts the test certificate.
func (c *testCert) clientTLS() *tls.Config {
	return &tls.Config{RootCAs: c.pool, ServerName: "127.0.0.1"}
}

// testServer is a server listening on 127.0.0.1: plain (with STARTTLS when
// it has TLS) and implicit TLS.
type testServer struct {
	srv      *Server
	plain    string
	implicit string // "" without TLS
	cert     *testCert
}

func startServer(t testing.TB, opts Options, withTLS bool) *testServer {
	t.Helper()
	ts := &testServer{}
	if withTLS {
		ts.cert = newTestCert(t)
		opts.TLS = ts.cert.server
	}
	ts.srv = New(opts)
	done := make(chan error, 2)
	serve := func(implicit bool) string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("Listen() = %v", err)
		}
		go func() {
			if implicit {
				done <- ts.srv.ServeTLS(l)
			} else {
				done <- ts.srv.Serve(l)
			}
		}()
		return l.Addr().String()
	}
	n := 1
	ts.plain = serve(false)
	if withTLS {
		ts.implicit = serve(true)
		n = 2
	}
	t.Cleanup(func() {
		if err := ts.srv.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
		for range n {
			if err := <-done; !errors.Is(err, ErrServerClosed) {
				t.Errorf("Serve() = %v, want ErrServerClosed", err)
			}
		}
	})
	return ts
}

// rawClient speaks IMAP line by line for exact-response tests.
type rawClient struct {
	t    testing.TB
	conn net.Conn
	br   *bufio.Reader
}

func dialRaw(t testing.TB, addr string) *rawClient {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("Dial(%s) = %v", addr, err)
	}
	t.Cleanup(func() { conn.Close() })
	return newRawClient(t, conn)
}

func newRawClient(t testing.TB, conn net.Conn) *rawClient {
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	return &rawClient{t: t, conn: conn, br: bufio.NewReader(conn)}
}

// line reads one line without CRLF.
func (c *rawClient) line() string {
	c.t.Helper()
	s, err := c.br.ReadString('\n')
	if err != nil {
		c.t.Fatalf("read line: %v (got %q)", err, s)
	}
	return strings.TrimSuffix(s, "\r\n")
}

func (c *rawClient) send(s string) {
	c.t.Helper()
	if _, err := fmt.Fprintf(c.conn, "%s\r\n", s); err != nil {
		c.t.Fatalf("write %q: %v", s, err)
	}
}

// cmd sends a tagged command and returns every line up to and including
// the tagged response. Literals in responses are read into the line.
func (c *rawClient) cmd(tag, text string) []string {
	c.t.Helper()
	c.send(tag + " " + text)
	return c.until(tag)
}

// until reads responses up to and including the one tagged tag.
func (c *rawClient) until(tag string) []string {
	c.t.Helper()
	var out []string
	for range 10000 {
		l := c.readResponse()
		out = append(out, l)
		if strings.HasPrefix(l, tag+" ") {
			return out
		}
	}
	c.t.Fatalf("no tagged response for %s", tag)
	return nil
}

// readResponse reads one line, with any literals it announces.
func (c *rawClient) readResponse() string {
	c.t.Helper()
	l := c.line()
	for {
		open := strings.LastIndexByte(l, '{')
		if open < 0 || !strings.HasSuffix(l, "}") {
			return l
		}
		var n int
		if _, err := fmt.Sscanf(l[open:], "{%d}", &n); err != nil {
			return l
		}
		buf := make([]byte, n)
		if _, err := io.ReadFull(c.br, buf); err != nil {
			c.t.Fatalf("read literal: %v", err)
		}
		l += "\r\n" + string(buf) + c.line()
	}
}

// listen opens a listener on 127.0.0.1; the test closes it at the end.
func listen(t testing.TB) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("Listen() = %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// waitTimeout bounds each wait for the server to do something the test
// awaits; reaching it is a failure.
const waitTimeout = 10 * time.Second

// awaitResult returns what done delivers, failing the test when nothing
// comes within waitTimeout.
func awaitResult(t testing.TB, what string, done <-chan error) error {
	t.Helper()
	timeout := time.NewTimer(waitTimeout)
	defer timeout.Stop()
	select {
	case err := <-done:
		return err
	case <-timeout.C:
		t.Fatalf("%s still running after %v", what, waitTimeout)
		return nil
	}
}

// closeServer closes srv and checks that Close returns, which it does
// once every connection handler has returned, and that the Serve whose
// result served delivers then returns ErrServerClosed.
func closeServer(t testing.TB, srv *Server, served <-chan error) {
	t.Helper()
	closed := make(chan error, 1)
	go func() { closed <- srv.Close() }()
	if err := awaitResult(t, "Close()", closed); err != nil {
		t.Errorf("Close() = %v", err)
	}
	if err := awaitResult(t, "Serve() after Close", served); !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve() = %v, want ErrServerClosed", err)
	}
}
