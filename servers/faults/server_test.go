package faults_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/testbed-dev/testbed/servers/faults"
	"github.com/testbed-dev/testbed/servers/faults/faultapi"
)

// upstream is an echo server: what a client sends comes back.
func upstream(t *testing.T) string {
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
				io.Copy(c, c)
			}()
		}
	}()
	return l.Addr().String()
}

type bed struct {
	addrs  map[int]string
	client *faultapi.Client
}

// start runs a fault server relaying to an echo server, with one port per
// preset and the control API.
func start(t *testing.T, presets map[int]faultapi.Fault) bed {
	t.Helper()
	srv := faults.New(faults.Options{Target: upstream(t), ConnectTimeout: 5 * time.Second})
	done := make(chan error, len(presets)+1)
	b := bed{addrs: map[int]string{}}
	for port, preset := range presets {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		b.addrs[port] = l.Addr().String()
		go func() { done <- srv.ServePort(l, port, "p", preset) }()
	}
	cl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { done <- srv.ServeControl(cl) }()
	b.client = faultapi.NewClient(cl.Addr().String(), func(err error) { t.Errorf("control API: %v", err) })
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
		for range len(presets) + 1 {
			if err := <-done; err != nil {
				t.Errorf("Serve() after Close = %v, want nil", err)
			}
		}
	})
	// Every port is registered once the API lists it.
	deadline := time.Now().Add(5 * time.Second)
	for {
		ps, err := faultapi.NewClient(cl.Addr().String(), nil).List()
		if err == nil && len(ps) == len(presets) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("List() = %v, %v; want %d ports", ps, err, len(presets))
		}
		time.Sleep(10 * time.Millisecond)
	}
	return b
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(20 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c
}

// roundTrip sends msg and reads it back, returning how long it took.
func roundTrip(t *testing.T, c net.Conn, msg string) time.Duration {
	t.Helper()
	start := time.Now()
	if _, err := io.WriteString(c, msg); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != msg {
		t.Fatalf("echo = %q, %v; want %q", got, err, msg)
	}
	return time.Since(start)
}

func TestLatencyInjectedMidConnection(t *testing.T) {
	b := start(t, map[int]faultapi.Fault{faultapi.ProxyPort: {}})
	c := dial(t, b.addrs[faultapi.ProxyPort])
	clean := roundTrip(t, c, "before")

	const latency = 300 * time.Millisecond
	b.client.Latency(latency)
	slow := roundTrip(t, c, "during") // held once each way
	if slow < 2*latency {
		t.Errorf("round trip with latency %s = %s, want at least %s", latency, slow, 2*latency)
	}
	b.client.Clear()
	after := roundTrip(t, c, "after")
	if after >= slow {
		t.Errorf("round trip after Clear = %s, not faster than with latency (%s; before: %s)", after, slow, clean)
	}
	if p, _ := b.client.Get(); p.Fault != (faultapi.Fault{}) {
		t.Errorf("Get() after Clear = %+v, want no fault", p.Fault)
	}
}

func TestPresets(t *testing.T) {
	b := start(t, map[int]faultapi.Fault{
		1: {Mode: faultapi.ModeSilent},
		2: {Mode: faultapi.ModeReset},
		3: {CloseAfter: 10},
		4: {Bandwidth: 2000},
		5: {Slice: 10, SliceDelay: faultapi.Duration(20 * time.Millisecond)},
		6: {Mode: faultapi.ModeBlackhole},
		7: {},
	})
	t.Run("silent", func(t *testing.T) {
		c := dial(t, b.addrs[1])
		io.WriteString(c, "hello?")
		c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		n, err := c.Read(make([]byte, 1))
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("Read() = %d, %v; want a timeout (nothing sent, not closed)", n, err)
		}
	})
	t.Run("reset", func(t *testing.T) {
		// The RST may come before connect returns, or at the first read.
		c, err := net.DialTimeout("tcp", b.addrs[2], 5*time.Second)
		if err == nil {
			c.SetDeadline(time.Now().Add(10 * time.Second))
			_, err = c.Read(make([]byte, 1))
			c.Close()
		}
		if !errors.Is(err, syscall.ECONNRESET) {
			t.Errorf("Read() = %v, want connection reset", err)
		}
	})
	t.Run("close after", func(t *testing.T) {
		c := dial(t, b.addrs[3])
		io.WriteString(c, strings.Repeat("x", 100))
		got, err := io.ReadAll(c)
		if err != nil || len(got) != 10 {
			t.Errorf("ReadAll() = %d bytes, %v; want 10 then EOF", len(got), err)
		}
	})
	t.Run("bandwidth", func(t *testing.T) {
		c := dial(t, b.addrs[4])
		if d := roundTrip(t, c, strings.Repeat("b", 1000)); d < 500*time.Millisecond {
			t.Errorf("1000 bytes at 2000 B/s each way took %s, want at least 500ms", d)
		}
	})
	t.Run("slice", func(t *testing.T) {
		c := dial(t, b.addrs[5])
		msg := strings.Repeat("s", 100)
		io.WriteString(c, msg)
		var got bytes.Buffer
		reads := 0
		buf := make([]byte, 1000)
		for got.Len() < len(msg) {
			n, err := c.Read(buf)
			if err != nil {
				t.Fatalf("Read() = %v after %d bytes", err, got.Len())
			}
			got.Write(buf[:n])
			reads++
		}
		if reads < 3 || got.String() != msg {
			t.Errorf("100 bytes in slices of 10 came in %d reads (%q), want several", reads, got.String())
		}
	})
	t.Run("blackhole", func(t *testing.T) {
		c, err := net.DialTimeout("tcp", b.addrs[6], 300*time.Millisecond)
		var ne net.Error
		if err == nil {
			c.Close()
			t.Fatal("connect to the blackhole port succeeded, want a timeout")
		}
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("connect to the blackhole port = %v, want a timeout (no RST)", err)
		}
		// A clean port connects; a blackhole stays one.
		dial(t, b.addrs[7]).Close()
		quiet := faultapi.NewClient(strings.TrimPrefix(b.client.String(), "http://"), nil)
		if err := quiet.Port(6).Set(faultapi.Fault{}); err == nil {
			t.Error("Set(no fault) on the blackhole port succeeded, want a refusal")
		}
		if err := quiet.Port(7).Blackhole(); err == nil {
			t.Error("Blackhole() on a relay port succeeded, want a refusal")
		}
		if c, err := net.DialTimeout("tcp", b.addrs[6], 300*time.Millisecond); err == nil {
			c.Close()
			t.Error("second connect to the blackhole port succeeded, want a timeout")
		}
	})
}

func TestControlAPIRefusals(t *testing.T) {
	b := start(t, map[int]faultapi.Fault{faultapi.ProxyPort: {}})
	quiet := faultapi.NewClient(strings.TrimPrefix(b.client.String(), "http://"), nil)
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"unknown port", quiet.Port(9).Latency(time.Second), "404"},
		{"bad mode", quiet.Set(faultapi.Fault{Mode: "explode"}), "mode"},
		{"jitter above latency", quiet.LatencyJitter(time.Millisecond, time.Second), "jitter"},
		{"negative", quiet.Bandwidth(-1), "negative"},
	}
	for _, tt := range tests {
		if tt.err == nil || !strings.Contains(tt.err.Error(), tt.want) {
			t.Errorf("%s: error = %v, want one saying %q", tt.name, tt.err, tt.want)
		}
	}
	resp, err := http.Post(b.client.String()+"/faults/8000", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /faults/8000 = %s, want 405", resp.Status)
	}
}
