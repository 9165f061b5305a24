package socks

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/testbed-dev/testbed/servers/internal/servertest"
	"github.com/testbed-dev/testbed/servers/netpolicy"
)

// echoServer copies every connection back to itself.
func echoServer(t testing.TB, network, address string) string {
	t.Helper()
	ln, err := net.Listen(network, address)
	if err != nil {
		t.Fatalf("Listen(%s) = %v", address, err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				io.Copy(c, c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	return ln.Addr().String()
}

// env is a set of targets reachable through a policy: "echo:7" (and its
// 127.0.0.1 address) echoes, "web:80" is an HTTP server answering "hello
// from web", "down:80" is a closed port, and echo6 is an echo server on ::1
// when the machine has IPv6 loopback ("" otherwise).
type env struct {
	echo, web, echo6 string
	policy           *netpolicy.Policy
}

func newEnv(t testing.TB) *env {
	t.Helper()
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello from web")
	}))
	t.Cleanup(web.Close)
	e := &env{echo: echoServer(t, "tcp", "127.0.0.1:0"), web: web.Listener.Addr().String()}
	if ln, err := net.Listen("tcp6", "[::1]:0"); err == nil {
		ln.Close()
		e.echo6 = echoServer(t, "tcp6", "[::1]:0")
	}
	e.policy = &netpolicy.Policy{
		Domain: "testbed.test",
		Map: map[string]string{
			"echo:7":  e.echo,
			"web:80":  e.web,
			"down:80": servertest.ClosedPort(t),
		},
	}
	if e.echo6 != "" {
		e.policy.Map["echo6:7"] = e.echo6
	}
	return e
}

// start runs a server with opts on 127.0.0.1:0 and returns its address.
func start(t testing.TB, opts Options) string {
	t.Helper()
	s := New(opts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("Listen() = %v", err)
	}
	served := make(chan error, 1)
	go func() { served <- s.Serve(ln) }()
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("Serve() = %v, want nil after Close", err)
		}
	})
	return ln.Addr().String()
}

// failing is a dialer that always fails with err.
func failing(err error) Dialer {
	return servertest.DialerFunc(func(context.Context, string, string) (net.Conn, error) { return nil, err })
}
