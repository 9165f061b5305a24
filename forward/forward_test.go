package forward

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// echoTCP serves an echo that answers after the client half-closes: it
// reads everything, then writes it back and closes.
func echoTCP(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				b, _ := io.ReadAll(c)
				c.Write(b)
			}()
		}
	}()
	return l.Addr().String()
}

// echoUDP answers every datagram with itself.
func echoUDP(t testing.TB) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, maxDatagram)
		for {
			n, a, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			pc.WriteTo(buf[:n], a)
		}
	}()
	return pc.LocalAddr().String()
}

func TestTCPHalfClose(t *testing.T) {
	f := New(Options{})
	defer f.Close()
	a, err := f.Add(Rule{Proto: "tcp", Listen: "127.0.0.1:0", Dial: Addr("tcp", echoTCP(t))})
	if err != nil {
		t.Fatal(err)
	}
	want := make([]byte, 4<<20)
	rand.Read(want)
	c, err := net.Dial("tcp", a.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	go func() {
		c.Write(want)
		c.(*net.TCPConn).CloseWrite() // the echo answers only after this reaches it
	}()
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("echo through the forwarder: got %d bytes, want the %d sent", len(got), len(want))
	}
}

func TestTCPFixedPortAndClose(t *testing.T) {
	// A fixed port: one the system chose a moment ago, freed.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fixed := l.Addr().String()
	l.Close()
	f := New(Options{})
	a, err := f.Add(Rule{Proto: "tcp", Listen: fixed, Dial: Addr("tcp", echoTCP(t))})
	if err != nil {
		t.Fatal(err)
	}
	if a.String() != fixed {
		t.Fatalf("listening on %s, want %s", a, fixed)
	}
	// An open connection ends with Close, and the port is free again.
	c, err := net.Dial("tcp", fixed)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	f.Close()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("connection still open after Close")
	}
	if l, err := net.Listen("tcp", fixed); err != nil {
		t.Fatalf("port not freed by Close: %v", err)
	} else {
		l.Close()
	}
	if _, err := f.Add(Rule{Proto: "tcp", Listen: "127.0.0.1:0", Dial: Addr("tcp", fixed)}); err != ErrClosed {
		t.Fatalf("Add after Close: %v, want ErrClosed", err)
	}
}

func TestTCPDialFails(t *testing.T) {
	var errs atomic.Int32
	f := New(Options{Errorf: func(string, ...any) { errs.Add(1) }})
	defer f.Close()
	a, err := f.Add(Rule{Proto: "tcp", Listen: "127.0.0.1:0", Dial: func(context.Context) (net.Conn, error) {
		return nil, fmt.Errorf("no target")
	}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", a.String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("read with no target behind: %v, want EOF", err)
	}
	if errs.Load() != 1 {
		t.Fatalf("%d errors reported, want 1", errs.Load())
	}
}

func udpRoundTrip(t testing.TB, c net.Conn, msg string) {
	t.Helper()
	buf := make([]byte, 100)
	c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	for try := 0; try < 25; try++ { // UDP may drop: resend, bounded
		if _, err := c.Write([]byte(msg)); err != nil {
			t.Fatal(err)
		}
		c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
		n, err := c.Read(buf)
		if err == nil {
			if string(buf[:n]) != msg {
				t.Fatalf("got %q, want %q", buf[:n], msg)
			}
			return
		}
	}
	t.Fatalf("no answer to %q through the forwarder", msg)
}

func TestUDPSessions(t *testing.T) {
	var dials atomic.Int32
	target := echoUDP(t)
	dial := Addr("udp", target)
	f := New(Options{UDPSessions: 2, UDPIdle: 50 * time.Millisecond})
	defer f.Close()
	a, err := f.Add(Rule{Proto: "udp", Listen: "127.0.0.1:0", Dial: func(ctx context.Context) (net.Conn, error) {
		dials.Add(1)
		return dial(ctx)
	}})
	if err != nil {
		t.Fatal(err)
	}
	var clients []net.Conn
	for i := 0; i < 3; i++ {
		c, err := net.Dial("udp", a.String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		clients = append(clients, c)
	}
	for i, c := range clients {
		udpRoundTrip(t, c, fmt.Sprint("hello ", i))
		if n := f.udpSessions(); n > 2 {
			t.Fatalf("%d sessions, bound is 2", n)
		}
	}
	// The first client's session was ended for the third: it gets a new one.
	udpRoundTrip(t, clients[0], "again")
	if dials.Load() < 4 {
		t.Fatalf("%d dials, want a fourth for the evicted client", dials.Load())
	}
	// Idle sessions are swept.
	deadline := time.Now().Add(10 * time.Second)
	for f.udpSessions() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions still held after they went idle", f.udpSessions())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestBadRule(t *testing.T) {
	f := New(Options{})
	defer f.Close()
	if _, err := f.Add(Rule{Proto: "sctp", Listen: "127.0.0.1:0", Dial: Addr("tcp", "127.0.0.1:1")}); err == nil {
		t.Fatal("sctp accepted")
	}
	if _, err := f.Add(Rule{Proto: "tcp", Listen: "127.0.0.1:0"}); err == nil {
		t.Fatal("a rule without a target accepted")
	}
}

// BenchmarkTCP: 64 MiB per op through the forwarder on loopback, against
// the same without it (direct), to a server that discards.
func BenchmarkTCP(b *testing.B) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(io.Discard, c); c.Close() }()
		}
	}()
	f := New(Options{})
	defer f.Close()
	fa, err := f.Add(Rule{Proto: "tcp", Listen: "127.0.0.1:0", Dial: Addr("tcp", l.Addr().String())})
	if err != nil {
		b.Fatal(err)
	}
	chunk := make([]byte, 1<<20)
	for _, c := range []struct{ name, addr string }{{"direct", l.Addr().String()}, {"forwarded", fa.String()}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(64 << 20)
			for b.Loop() {
				conn, err := net.Dial("tcp", c.addr)
				if err != nil {
					b.Fatal(err)
				}
				for range 64 {
					if _, err := conn.Write(chunk); err != nil {
						b.Fatal(err)
					}
				}
				conn.Close()
			}
		})
	}
}
