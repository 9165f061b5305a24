package wsd_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/testbed-dev/testbed/servers/wsd"
)

func start(t *testing.T) string {
	t.Helper()
	srv := wsd.New(wsd.Options{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("Serve() after Close = %v", err)
		}
	})
	return "ws://" + l.Addr().String()
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

func dial(t *testing.T, url string, opts *websocket.DialOptions) (*websocket.Conn, *http.Response) {
	t.Helper()
	c, resp, err := websocket.Dial(ctx(t), url, opts)
	if err != nil {
		t.Fatalf("Dial(%s) = %v", url, err)
	}
	t.Cleanup(func() { c.CloseNow() })
	c.SetReadLimit(64 << 20)
	return c, resp
}

func TestEcho(t *testing.T) {
	base := start(t)
	c, resp := dial(t, base+"/echo", &websocket.DialOptions{Subprotocols: []string{"chat", "other"}, CompressionMode: websocket.CompressionContextTakeover})
	if c.Subprotocol() != "chat" {
		t.Errorf("Subprotocol() = %q, want chat", c.Subprotocol())
	}
	if ext := resp.Header.Get("Sec-WebSocket-Extensions"); !strings.Contains(ext, "permessage-deflate") {
		t.Errorf("Sec-WebSocket-Extensions = %q, want permessage-deflate", ext)
	}
	if err := c.Write(ctx(t), websocket.MessageText, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	if typ, got, err := c.Read(ctx(t)); err != nil || typ != websocket.MessageText || string(got) != "hello" {
		t.Errorf("echo = %v %q %v, want text hello", typ, got, err)
	}
	// A 5 MiB binary message sent in 64 KiB fragments comes back whole.
	big := bytes.Repeat([]byte("0123456789abcdef"), 5<<16)
	w, err := c.Writer(ctx(t), websocket.MessageBinary)
	if err != nil {
		t.Fatal(err)
	}
	for off := 0; off < len(big); off += 64 << 10 {
		w.Write(big[off : off+64<<10])
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if typ, got, err := c.Read(ctx(t)); err != nil || typ != websocket.MessageBinary || !bytes.Equal(got, big) {
		t.Errorf("echo of 5 MiB = %v, %d bytes, %v; want the same binary message", typ, len(got), err)
	}
	// A ping is answered (a read must run for the pong to be seen).
	go c.Read(ctx(t))
	if err := c.Ping(ctx(t)); err != nil {
		t.Errorf("Ping() = %v", err)
	}
}

func TestNoSubprotocolNoDeflate(t *testing.T) {
	c, resp := dial(t, start(t)+"/echo", nil)
	if c.Subprotocol() != "" || resp.Header.Get("Sec-WebSocket-Extensions") != "" {
		t.Errorf("subprotocol %q, extensions %q; want none when none offered", c.Subprotocol(), resp.Header.Get("Sec-WebSocket-Extensions"))
	}
}

func TestCloseCode(t *testing.T) {
	c, _ := dial(t, start(t)+"/close/4001", nil)
	_, _, err := c.Read(ctx(t))
	if websocket.CloseStatus(err) != 4001 {
		t.Errorf("Read() = %v, want close 4001", err)
	}
	if _, _, err := websocket.Dial(ctx(t), strings.Replace(start(t), "ws", "http", 1)+"/close/1005", nil); err == nil {
		t.Error("/close/1005 accepted, want a refusal (1005 is never sent)")
	}
}

func TestAuth(t *testing.T) {
	base := start(t)
	_, resp, err := websocket.Dial(ctx(t), base+"/auth/echo", nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("without credentials: %v, %v; want 401", resp, err)
	}
	h := http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte("wstest:password"))}}
	c, _ := dial(t, base+"/auth/echo", &websocket.DialOptions{HTTPHeader: h})
	c.Write(ctx(t), websocket.MessageText, []byte("authed"))
	if _, got, err := c.Read(ctx(t)); err != nil || string(got) != "authed" {
		t.Errorf("echo = %q, %v", got, err)
	}
}

func TestRoom(t *testing.T) {
	base := start(t)
	a, _ := dial(t, base+"/room/lobby", nil)
	b, _ := dial(t, base+"/room/lobby", nil)
	other, _ := dial(t, base+"/room/elsewhere", nil)
	// Membership starts once the server has run the handler: send until
	// b hears a.
	deadline := time.Now().Add(10 * time.Second)
	got := make(chan string, 1)
	go func() {
		_, data, _ := b.Read(ctx(t))
		got <- string(data)
	}()
	for {
		a.Write(ctx(t), websocket.MessageText, []byte("hi all"))
		select {
		case msg := <-got:
			if msg != "hi all" {
				t.Errorf("b got %q, want hi all", msg)
			}
		case <-time.After(100 * time.Millisecond):
			if time.Now().Before(deadline) {
				continue
			}
			t.Fatal("b never heard a")
		}
		break
	}
	// The sender hears itself; another room hears nothing.
	if _, data, err := a.Read(ctx(t)); err != nil || string(data) != "hi all" {
		t.Errorf("a got %q, %v; want its own message", data, err)
	}
	rc, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, data, err := other.Read(rc); err == nil {
		t.Errorf("another room got %q, want nothing", data)
	}
}

func TestBytes(t *testing.T) {
	c, _ := dial(t, start(t)+"/bytes/100000?frame=1000", nil)
	typ, got, err := c.Read(ctx(t))
	if err != nil || typ != websocket.MessageBinary || len(got) != 100000 {
		t.Fatalf("Read() = %v, %d bytes, %v", typ, len(got), err)
	}
	for i, b := range got {
		if b != byte(i%251) {
			t.Fatalf("byte %d = %d, want %d", i, b, i%251)
		}
	}
	if _, _, err := c.Read(ctx(t)); websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Errorf("after the message: %v, want a normal close", err)
	}
}

var _ = wsd.Subprotocols
