package conns_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/testbed-dev/testbed/servers/echo"
	"github.com/testbed-dev/testbed/servers/ftpd"
	"github.com/testbed-dev/testbed/servers/httpd"
	"github.com/testbed-dev/testbed/servers/imapd"
	"github.com/testbed-dev/testbed/servers/internal/conns"
	"github.com/testbed-dev/testbed/servers/proxy"
	"github.com/testbed-dev/testbed/servers/socks"
)

const testTimeout = 10 * time.Second

// server is one of testbed's servers, as the accept tests see it.
type server struct {
	serve func(net.Listener) error
	close func() error
}

// acceptCases are the servers that accept connections on a listener, each
// with how to make one, what its Serve returns after Close, and an exchange
// that shows a connection is being served.
var acceptCases = []struct {
	name   string
	start  func(t *testing.T) server
	closed error // what Serve returns after Close
	check  func(c net.Conn, r *bufio.Reader) error
}{
	{
		name: "ftpd",
		start: func(t *testing.T) server {
			s, err := ftpd.New(ftpd.Options{Anonymous: true})
			if err != nil {
				t.Fatalf("ftpd.New() = %v", err)
			}
			return server{s.Serve, s.Close}
		},
		closed: ftpd.ErrServerClosed,
		check:  greeting("220 "),
	},
	{
		name: "imapd",
		start: func(*testing.T) server {
			s := imapd.New(imapd.Options{})
			return server{s.Serve, s.Close}
		},
		closed: imapd.ErrServerClosed,
		check:  greeting("* OK"),
	},
	{
		name: "echo",
		start: func(*testing.T) server {
			s := echo.New(echo.Options{})
			return server{s.ServeEcho, s.Close}
		},
		check: func(c net.Conn, r *bufio.Reader) error {
			if _, err := io.WriteString(c, "ping\r\n"); err != nil {
				return err
			}
			return expectLine(r, "ping")
		},
	},
	{
		name: "socks",
		start: func(*testing.T) server {
			s := socks.New(socks.Options{})
			return server{s.Serve, s.Close}
		},
		check: func(c net.Conn, r *bufio.Reader) error {
			if _, err := c.Write([]byte{5, 1, 0}); err != nil { // SOCKS5, one method: no authentication
				return err
			}
			var reply [2]byte
			if _, err := io.ReadFull(r, reply[:]); err != nil {
				return err
			}
			if reply != [2]byte{5, 0} {
				return errors.New("method reply is not 05 00")
			}
			return nil
		},
	},
	{
		name: "httpd",
		start: func(t *testing.T) server {
			s, err := httpd.New(httpd.Options{})
			if err != nil {
				t.Fatalf("httpd.New() = %v", err)
			}
			return server{s.Serve, s.Close}
		},
		check: func(c net.Conn, r *bufio.Reader) error {
			if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: http\r\n\r\n"); err != nil {
				return err
			}
			return expectLine(r, "HTTP/1.1 200 ")
		},
	},
	{
		name: "proxy",
		start: func(*testing.T) server {
			s := proxy.New(proxy.Options{})
			return server{s.Serve, s.Close}
		},
		check: func(c net.Conn, r *bufio.Reader) error {
			if _, err := io.WriteString(c, "GET http://example.test/ HTTP/1.1\r\nHost: example.test\r\n\r\n"); err != nil {
				return err
			}
			return expectLine(r, "HTTP/1.1 ")
		},
	},
}

// greeting checks that the server's first line starts with prefix.
func greeting(prefix string) func(net.Conn, *bufio.Reader) error {
	return func(_ net.Conn, r *bufio.Reader) error { return expectLine(r, prefix) }
}

// expectLine reads a line and checks that it starts with prefix.
func expectLine(r *bufio.Reader, prefix string) error {
	line, err := r.ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, prefix) {
		return errors.New("got line " + strings.TrimSpace(line) + ", want " + prefix + "...")
	}
	return nil
}

// serveOn runs srv on l and returns what Serve returns.
func serveOn(srv server, l net.Listener) <-chan error {
	served := make(chan error, 1)
	go func() { served <- srv.serve(l) }()
	return served
}

// awaitServe returns what Serve returned, failing the test if it does not
// return within testTimeout after what happened.
func awaitServe(t *testing.T, served <-chan error, after string) error {
	t.Helper()
	select {
	case err := <-served:
		return err
	case <-time.After(testTimeout):
		t.Fatalf("Serve() still running %v after %s", testTimeout, after)
		return nil
	}
}

// Every server keeps serving after accept fails with "too many open files"
// (in an error that is no net.Error, so that only the shared backoff rides
// it out).
func TestServersRideOutAcceptFailures(t *testing.T) {
	for _, tc := range acceptCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := tc.start(t)
			l := conns.NewFlakyListener(t, 3)
			served := serveOn(srv, l)

			c, err := net.DialTimeout("tcp", l.Addr().String(), testTimeout)
			if err != nil {
				t.Fatalf("Dial() = %v", err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(testTimeout))
			if err := tc.check(c, bufio.NewReader(c)); err != nil {
				t.Errorf("connection after 3 accept failures: %v, want it served", err)
			}
			if n := len(l.Failed); n != 3 {
				t.Errorf("Accept failed %d times, want 3", n)
			}
			if err := srv.close(); err != nil {
				t.Errorf("Close() = %v", err)
			}
			if err := awaitServe(t, served, "Close"); !errors.Is(err, tc.closed) {
				t.Errorf("Serve() = %v, want %v after Close", err, tc.closed)
			}
		})
	}
}

// Close during the pause after failed accepts ends Serve with the server's
// closed error. (That the pause itself is cut short is checked with an
// hour-long pause in accept_test.go; a wall-clock bound here would flake on
// a loaded machine.)
func TestServersCloseDuringAcceptBackoff(t *testing.T) {
	const failures = 8
	for _, tc := range acceptCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := tc.start(t)
			l := conns.NewFlakyListener(t, 1<<40)
			served := serveOn(srv, l)

			for i := range failures {
				select {
				case <-l.Failed:
				case <-time.After(testTimeout):
					t.Fatalf("Accept failed %d times in %v, want %d", i, testTimeout, failures)
				}
			}
			if err := srv.close(); err != nil {
				t.Errorf("Close() = %v", err)
			}
			if err := awaitServe(t, served, "Close"); !errors.Is(err, tc.closed) {
				t.Errorf("Serve() = %v, want %v after Close", err, tc.closed)
			}
		})
	}
}

// Every server's Serve returns when accept fails in a way that is not
// temporary (an invalid argument, as from a listener shut down behind its
// back), with an error that wraps the failure, after a single try.
func TestServersStopOnPermanentAcceptFailure(t *testing.T) {
	for _, tc := range acceptCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := tc.start(t)
			l := conns.NewFailingListener(t, 1<<40, syscall.EINVAL)
			served := serveOn(srv, l)

			err := awaitServe(t, served, "a permanent accept failure")
			if !errors.Is(err, syscall.EINVAL) {
				t.Errorf("Serve() = %v, want an error wrapping EINVAL", err)
			}
			if n := len(l.Failed); n != 1 {
				t.Errorf("Accept failed %d times, want 1", n)
			}
			if err := srv.close(); err != nil {
				t.Errorf("Close() = %v", err)
			}
		})
	}
}
