package proxy

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"

	"github.com/testbed-dev/testbed/servers/internal/servertest"
)

// openTunnel starts a proxy whose every connection goes to target and opens
// a CONNECT tunnel through it.
func openTunnel(b *testing.B, target string) (net.Conn, io.Reader) {
	e := newEnv(b, Options{Dialer: servertest.DialerTo(target)})
	c, err := net.Dial("tcp", e.proxyAddr)
	if err != nil {
		b.Fatal(err)
	}
	fmt.Fprintf(c, "CONNECT target:1 HTTP/1.1\r\nHost: target:1\r\n\r\n")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
	if err != nil || resp.StatusCode != 200 {
		b.Fatalf("CONNECT = %v, %v", resp, err)
	}
	return c, br
}

// BenchmarkConnectTunnel measures bytes per second through a CONNECT tunnel
// on loopback, client to target (upload) and target to client (download).
func BenchmarkConnectTunnel(b *testing.B) {
	servertest.RelayBenchmark(b, openTunnel)
}
