package proxy

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/testbed-dev/testbed/servers/internal/servertest"
)

// TestCloseEndsTunnels checks that Close ends open tunnels and waits for
// their handlers, and that Serve then returns nil.
func TestCloseEndsTunnels(t *testing.T) {
	hold, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := hold.Accept()
		if err == nil {
			accepted <- c
		}
	}()
	p := New(Options{Dialer: servertest.DialerTo(hold.Addr().String())})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- p.Serve(ln) }()

	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "CONNECT held:1 HTTP/1.1\r\nHost: held:1\r\n\r\n")
	br := bufio.NewReader(c)
	if resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect}); err != nil || resp.StatusCode != 200 {
		t.Fatalf("CONNECT = %v, %v; want 200", resp, err)
	}
	upstream := <-accepted
	defer upstream.Close()

	closed := make(chan error, 1)
	go func() { closed <- p.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("Close() = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close() did not return with a tunnel open")
	}
	if err := <-served; err != nil {
		t.Errorf("Serve() = %v, want nil after Close", err)
	}
	if n, err := io.Copy(io.Discard, br); err != nil || n != 0 {
		t.Errorf("client read after Close = %d bytes, %v; want EOF", n, err)
	}
	upstream.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := upstream.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("upstream read after Close = %v, want EOF", err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close() = %v, want nil", err)
	}
	if err := p.Serve(ln); err != nil {
		t.Errorf("Serve() after Close = %v, want nil", err)
	}
}
