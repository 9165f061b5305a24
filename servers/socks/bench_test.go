package socks

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"testing"
)

// benchChunk is what one benchmark iteration sends through the tunnel.
const benchChunk = 1 << 20

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

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

// openTunnel starts a SOCKS server whose every connection goes to target
// and opens a tunnel through it.
func openTunnel(b *testing.B, target string) net.Conn {
	addr := start(b, Options{Dialer: dialerFunc(func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, target)
	})})
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	c.Write(cat(noAuth, v5(cmdConnect, atypDomain, []byte("target"), 1)))
	reply := make([]byte, 12)
	if _, err := io.ReadFull(c, reply); err != nil || reply[3] != repSucceeded {
		b.Fatalf("handshake reply %x, %v", reply, err)
	}
	return c
}

// BenchmarkTunnel measures bytes per second through a SOCKS5 tunnel on
// loopback, client to target (upload) and target to client (download).
func BenchmarkTunnel(b *testing.B) {
	b.Run("upload", func(b *testing.B) {
		c := openTunnel(b, benchTarget(b, true))
		defer c.Close()
		buf := make([]byte, benchChunk)
		b.SetBytes(benchChunk)
		b.ResetTimer()
		for range b.N {
			if _, err := c.Write(buf); err != nil {
				b.Fatal(err)
			}
		}
		c.(*net.TCPConn).CloseWrite()
		var n int64
		if err := binary.Read(c, binary.BigEndian, &n); err != nil || n != int64(b.N)*benchChunk {
			b.Fatalf("target read %d bytes (%v), want %d", n, err, int64(b.N)*benchChunk)
		}
	})
	b.Run("download", func(b *testing.B) {
		c := openTunnel(b, benchTarget(b, false))
		defer c.Close()
		b.SetBytes(benchChunk)
		b.ResetTimer()
		want := int64(b.N) * benchChunk
		binary.Write(c, binary.BigEndian, want)
		n, err := io.Copy(io.Discard, c)
		if err != nil || n != want {
			b.Fatalf("read %d bytes (%v), want %d", n, err, want)
		}
	})
}
