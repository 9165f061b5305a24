package catalog

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"
)

func TestEchoKindRun(t *testing.T) {
	k, ok := New().Kind("echo")
	if !ok {
		t.Fatal(`Kind("echo") missing from the catalogue`)
	}
	opts, err := k.ResolveOptions(nil)
	if err != nil {
		t.Fatalf("ResolveOptions() = %v", err)
	}
	override := map[string]int{}
	for _, p := range k.Ports {
		override[p.Key()] = 0
	}
	ls, pcs, err := k.Listen("127.0.0.1", override)
	if err != nil {
		t.Fatalf("Listen() = %v", err)
	}
	if len(ls) != 4 || len(pcs) != 3 {
		t.Fatalf("Listen() = %d listeners, %d packet conns; want 4 and 3", len(ls), len(pcs))
	}
	addr := func(key string) string {
		if l, ok := ls[key]; ok {
			return l.Addr().String()
		}
		return pcs[key].LocalAddr().String()
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- k.Run(ctx, Env{Listeners: ls, Packets: pcs, Options: opts, Logger: slog.New(slog.DiscardHandler)})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run() after cancel = %v, want nil", err)
		}
	}()

	dial := func(network, key string) net.Conn {
		t.Helper()
		c, err := net.DialTimeout(network, addr(key), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		t.Cleanup(func() { c.Close() })
		return c
	}
	t.Run("echo tcp", func(t *testing.T) {
		c := dial("tcp", "7/tcp")
		io.WriteString(c, "ping\n")
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil || line != "ping\n" {
			t.Errorf("echo = %q, %v; want ping", line, err)
		}
	})
	t.Run("echo udp", func(t *testing.T) {
		c := dial("udp", "7/udp")
		io.WriteString(c, "ping")
		buf := make([]byte, 64)
		n, err := c.Read(buf)
		if err != nil || string(buf[:n]) != "ping" {
			t.Errorf("udp echo = %q, %v; want ping", buf[:n], err)
		}
	})
	t.Run("daytime tcp", func(t *testing.T) {
		out, err := io.ReadAll(dial("tcp", "13/tcp"))
		if err != nil || !strings.HasSuffix(string(out), "-UTC\r\n") {
			t.Errorf("daytime = %q, %v", out, err)
		}
	})
	t.Run("chargen tcp", func(t *testing.T) {
		line, err := bufio.NewReader(dial("tcp", "19/tcp")).ReadString('\n')
		if err != nil || len(line) != 74 {
			t.Errorf("chargen line = %q, %v; want 72 characters and CRLF", line, err)
		}
	})
}

func TestEchoKindDescription(t *testing.T) {
	k := echoKind()
	if _, err := k.ResolveOptions(map[string]string{"port": "7"}); err == nil {
		t.Error("ResolveOptions(port) = nil error, want unknown option")
	}
	if p := k.Ready(nil); p.Echo == nil || p.Echo.Port != 7 {
		t.Errorf("Ready() = %+v, want echo on 7", p)
	}
	var keys []string
	for _, p := range k.Ports {
		keys = append(keys, p.Key())
	}
	if got, want := strings.Join(keys, " "), "7/tcp 7/udp 9/tcp 9/udp 13/tcp 13/udp 19/tcp"; got != want {
		t.Errorf("ports = %s, want %s", got, want)
	}
}
