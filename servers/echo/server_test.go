package echo

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"
)

var fixedTime = time.Date(1982, time.February, 22, 17, 37, 43, 0, time.UTC)

// addrs of a running test server, by service.
type addrs struct {
	tcp map[string]string
	udp map[string]string
}

func start(t *testing.T) (*Server, addrs) {
	t.Helper()
	s := New(Options{Now: func() time.Time { return fixedTime }})
	a := addrs{tcp: map[string]string{}, udp: map[string]string{}}
	errs := make(chan error, 8)
	n := 0
	for name, serve := range map[string]func(net.Listener) error{
		"echo": s.ServeEcho, "discard": s.ServeDiscard, "daytime": s.ServeDaytime, "chargen": s.ServeChargen,
	} {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		a.tcp[name] = l.Addr().String()
		n++
		go func() { errs <- serve(l) }()
	}
	for name, serve := range map[string]func(net.PacketConn) error{
		"echo": s.ServeEchoPacket, "discard": s.ServeDiscardPacket, "daytime": s.ServeDaytimePacket, "chargen": s.ServeChargenPacket,
	} {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		a.udp[name] = pc.LocalAddr().String()
		n++
		go func() { errs <- serve(pc) }()
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
		for range n {
			if err := <-errs; err != nil {
				t.Errorf("Serve() after Close = %v, want nil", err)
			}
		}
	})
	return s, a
}

func dial(t *testing.T, network, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout(network, addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c
}

func TestEchoTCP(t *testing.T) {
	_, a := start(t)
	c := dial(t, "tcp", a.tcp["echo"])
	msg := bytes.Repeat([]byte("hello echo\n"), 10000) // larger than socket buffers
	go func() {
		c.Write(msg)
		c.(*net.TCPConn).CloseWrite()
	}()
	got, err := io.ReadAll(c)
	if err != nil || !bytes.Equal(got, msg) {
		t.Errorf("echo over TCP = %d bytes, %v; want the %d sent", len(got), err, len(msg))
	}
}

func TestDiscardTCP(t *testing.T) {
	_, a := start(t)
	c := dial(t, "tcp", a.tcp["discard"])
	if _, err := c.Write(bytes.Repeat([]byte("x"), 1<<20)); err != nil {
		t.Fatalf("Write() = %v", err)
	}
	c.(*net.TCPConn).CloseWrite()
	got, err := io.ReadAll(c)
	if err != nil || len(got) != 0 {
		t.Errorf("discard answered %q, %v; want nothing and EOF", got, err)
	}
}

func TestDaytimeTCP(t *testing.T) {
	_, a := start(t)
	c := dial(t, "tcp", a.tcp["daytime"])
	got, err := io.ReadAll(c)
	if want := "Monday, February 22, 1982 17:37:43-UTC\r\n"; err != nil || string(got) != want {
		t.Errorf("daytime = %q, %v; want %q", got, err, want)
	}
}

func TestChargenTCP(t *testing.T) {
	_, a := start(t)
	c := dial(t, "tcp", a.tcp["chargen"])
	r := bufio.NewReader(c)
	const printable = " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~"
	ring := printable + printable
	for i := range 200 { // more than one cycle of 95 lines
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		want := ring[i%95:i%95+72] + "\r\n"
		if line != want {
			t.Fatalf("line %d = %q, want %q", i, line, want)
		}
	}
}

func TestUDP(t *testing.T) {
	_, a := start(t)
	exchange := func(t *testing.T, service, send string) string {
		t.Helper()
		c := dial(t, "udp", a.udp[service])
		if _, err := c.Write([]byte(send)); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 2048)
		n, err := c.Read(buf)
		if err != nil {
			t.Fatalf("%s over UDP: read: %v", service, err)
		}
		return string(buf[:n])
	}
	t.Run("echo", func(t *testing.T) {
		if got := exchange(t, "echo", "ping 1"); got != "ping 1" {
			t.Errorf("echo = %q, want %q", got, "ping 1")
		}
	})
	t.Run("daytime", func(t *testing.T) {
		if got := exchange(t, "daytime", ""); got != "Monday, February 22, 1982 17:37:43-UTC\r\n" {
			t.Errorf("daytime = %q", got)
		}
	})
	t.Run("chargen", func(t *testing.T) {
		first, second := exchange(t, "chargen", "x"), exchange(t, "chargen", "x")
		if len(first) != 74 || !strings.HasPrefix(first, " !\"#") || !strings.HasPrefix(second, "!\"#") {
			t.Errorf("chargen lines = %q, %q; want the first two pattern lines", first, second)
		}
	})
	t.Run("discard", func(t *testing.T) {
		c := dial(t, "udp", a.udp["discard"])
		c.Write([]byte("dropped"))
		// Discard must stay silent: nothing arrives within the deadline.
		c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if n, err := c.Read(make([]byte, 10)); err == nil {
			t.Errorf("discard answered %d bytes, want nothing", n)
		}
	})
}

func TestCloseEndsConnections(t *testing.T) {
	before := runtime.NumGoroutine()
	s := New(Options{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.ServeChargen(l) }()
	var conns []net.Conn
	for range 3 {
		c, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Read(make([]byte, 10)); err != nil { // the server is writing to it
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	if err := <-done; err != nil {
		t.Errorf("ServeChargen() = %v, want nil after Close", err)
	}
	for i, c := range conns {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.Copy(io.Discard, c); err != nil && !strings.Contains(err.Error(), "reset") {
			t.Errorf("conn %d after Close: %v, want EOF or reset", i, err)
		}
	}
	// Serving after Close returns at once and closes the listener.
	l2, _ := net.Listen("tcp", "127.0.0.1:0")
	if err := s.ServeEcho(l2); err != nil {
		t.Errorf("ServeEcho() after Close = %v, want nil", err)
	}
	if _, err := net.Dial("tcp", l2.Addr().String()); err == nil {
		t.Error("listener still accepts after Close")
	}
	for _, c := range conns {
		c.Close()
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Errorf("goroutines: %d before, %d after Close, want no more", before, after)
	}
}
