// Package servertest is what the tests of testbed's servers share: a closed
// port, dialers made of functions, a log buffer, servers run on loopback
// listeners (Loopback), and a benchmark of bytes
// relayed through a tunnel.
package servertest

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
)

// ClosedPort returns a 127.0.0.1 address nothing listens on.
func ClosedPort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("Listen() = %v", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// DialerFunc adapts a function to the Dialer interfaces of the proxy and
// socks servers.
type DialerFunc func(ctx context.Context, network, address string) (net.Conn, error)

// DialContext calls f.
func (f DialerFunc) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	return f(ctx, network, address)
}

// DialerTo is a dialer that connects to address whatever destination it is
// asked for.
func DialerTo(address string) DialerFunc {
	return func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, address)
	}
}

// relayChunk is what one benchmark iteration sends through the tunnel.
const relayChunk = 1 << 20

// RelayBenchmark measures bytes per second through a relay on loopback,
// client to target ("upload") and target to client ("download"). tunnel
// opens a connection through the relay under test to target, a "host:port",
// and returns it with the reader to read the target's bytes from: the
// connection itself, or a buffer that holds what came behind the relay's
// handshake.
func RelayBenchmark(b *testing.B, tunnel func(b *testing.B, target string) (net.Conn, io.Reader)) {
	b.Run("upload", func(b *testing.B) {
		c, r := tunnel(b, benchTarget(b, true))
		defer c.Close()
		buf := make([]byte, relayChunk)
		b.SetBytes(relayChunk)
		b.ResetTimer()
		for range b.N {
			if _, err := c.Write(buf); err != nil {
				b.Fatal(err)
			}
		}
		c.(*net.TCPConn).CloseWrite()
		var n int64
		if err := binary.Read(r, binary.BigEndian, &n); err != nil || n != int64(b.N)*relayChunk {
			b.Fatalf("target read %d bytes (%v), want %d", n, err, int64(b.N)*relayChunk)
		}
	})
	b.Run("download", func(b *testing.B) {
		c, r := tunnel(b, benchTarget(b, false))
		defer c.Close()
		b.SetBytes(relayChunk)
		b.ResetTimer()
		want := int64(b.N) * relayChunk
		binary.Write(c, binary.BigEndian, want)
		n, err := io.Copy(io.Discard, r)
		if err != nil || n != want {
			b.Fatalf("read %d bytes (%v), want %d", n, err, want)
		}
	})
}

// benchTarget runs a server that either reads each connection to its end
// and answers with the count as 8 big-endian bytes (upload), or reads an
// 8-byte count and sends that many bytes (download).
func benchTarget(b *testing.B, upload bool) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				if upload {
					n, _ := io.Copy(io.Discard, c)
					binary.Write(c, binary.BigEndian, n)
					return
				}
				var n int64
				if binary.Read(c, binary.BigEndian, &n) == nil {
					io.CopyN(c, zeros{}, n)
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// zeros reads as an endless stream of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// LogBuffer collects a server's log lines; it is safe for the server's
// goroutines and the test at once.
type LogBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

// Write implements io.Writer.
func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns everything written so far.
func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Loopback runs a server's Serve methods on 127.0.0.1 listeners for a
// test; when the test ends it calls the server's close and waits until
// every Serve has returned.
type Loopback struct {
	t  testing.TB
	wg sync.WaitGroup
}

// NewLoopback registers close (the server's Close) to run at the end of t.
func NewLoopback(t testing.TB, close func() error) *Loopback {
	lb := &Loopback{t: t}
	t.Cleanup(func() {
		if err := close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
		lb.wg.Wait()
	})
	return lb
}

// Stream serves on a new TCP listener and returns its address.
func (lb *Loopback) Stream(serve func(net.Listener) error) string {
	lb.t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		lb.t.Fatal(err)
	}
	lb.run(func() error { return serve(l) })
	return l.Addr().String()
}

// Packet serves on a new UDP socket and returns its address.
func (lb *Loopback) Packet(serve func(net.PacketConn) error) string {
	lb.t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		lb.t.Fatal(err)
	}
	lb.run(func() error { return serve(pc) })
	return pc.LocalAddr().String()
}

func (lb *Loopback) run(serve func() error) {
	lb.wg.Add(1)
	go func() {
		defer lb.wg.Done()
		if err := serve(); err != nil {
			lb.t.Errorf("Serve() = %v", err)
		}
	}()
}
