package socks

import (
	"io"
	"net"
	"testing"

	"github.com/testbed-dev/testbed/servers/internal/servertest"
)

// openTunnel starts a SOCKS server whose every connection goes to target
// and opens a tunnel through it.
func openTunnel(b *testing.B, target string) (net.Conn, io.Reader) {
	addr := start(b, Options{Dialer: servertest.DialerTo(target)})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	c.Write(cat(noAuth, v5(cmdConnect, atypDomain, []byte("target"), 1)))
	reply := make([]byte, 12)
	if _, err := io.ReadFull(c, reply); err != nil || reply[3] != repSucceeded {
		b.Fatalf("handshake reply %x, %v", reply, err)
	}
	return c, c
}

// BenchmarkTunnel measures bytes per second through a SOCKS5 tunnel on
// loopback, client to target (upload) and target to client (download).
func BenchmarkTunnel(b *testing.B) {
	servertest.RelayBenchmark(b, openTunnel)
}
