package proxy

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
)

// benchChunk is what one benchmark iteration sends through the tunnel.
const benchChunk = 1 << 20

// sinkServer reads each connection to its end and answers with the number
// of bytes it read, as 8 big-endian bytes.
func sinkServer(b *testing.B) string {
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
				n, _ := io.Copy(io.Discard, c)
				binary.Write(c, binary.BigEndian, n)
			}()
		}
	}()
	return ln.Addr().String()
}

// sourceServer reads an 8-byte count from each connection and sends that
// many bytes.
func sourceServer(b *testing.B) string {
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
				var n int64
				if binary.Read(c, binary.BigEndian, &n) != nil {
					return
				}
				io.CopyN(c, zeros{}, n)
			}()
		}
	}()
	return ln.Addr().String()
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func openTunnel(b *testing.B, proxyAddr string) (net.Conn, *bufio.Reader) {
	c, err := net.Dial("tcp", proxyAddr)
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

func benchProxy(b *testing.B, target string) string {
	e := newEnv(b, Options{Dialer: dialerFunc(func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, target)
	})})
	return e.proxyAddr
}

// BenchmarkConnectTunnel measures bytes per second through a CONNECT tunnel
// on loopback, client to target (upload) and target to client (download).
func BenchmarkConnectTunnel(b *testing.B) {
	b.Run("upload", func(b *testing.B) {
		c, br := openTunnel(b, benchProxy(b, sinkServer(b)))
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
		if err := binary.Read(br, binary.BigEndian, &n); err != nil || n != int64(b.N)*benchChunk {
			b.Fatalf("sink read %d bytes (%v), want %d", n, err, int64(b.N)*benchChunk)
		}
	})
	b.Run("download", func(b *testing.B) {
		c, br := openTunnel(b, benchProxy(b, sourceServer(b)))
		defer c.Close()
		b.SetBytes(benchChunk)
		b.ResetTimer()
		want := int64(b.N) * benchChunk
		binary.Write(c, binary.BigEndian, want)
		n, err := io.Copy(io.Discard, br)
		if err != nil || n != want {
			b.Fatalf("read %d bytes (%v), want %d", n, err, want)
		}
	})
}
