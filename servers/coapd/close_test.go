package coapd

import (
	"context"
	"log/slog"
	"net"
	"testing"
	"time"
)

// gateHandler holds every "coap: serving" log call until open is closed:
// a Serve that has registered its stop waits there, just before it hands
// its socket to go-coap.
type gateHandler struct {
	slog.Handler
	serving chan struct{}
	open    chan struct{}
}

func (gateHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h gateHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "coap: serving" {
		h.serving <- struct{}{}
		<-h.open
	}
	return nil
}

// Close ends every Serve, even one that had not yet handed its socket to
// go-coap when Close came (go-coap's own Stop then has nothing to close).
func TestCloseBeforeGoCoAPHasTheSocket(t *testing.T) {
	h := gateHandler{Handler: slog.DiscardHandler, serving: make(chan struct{}, 3), open: make(chan struct{})}
	srv, err := New(Options{PSKIdentity: DefaultPSKIdentity, PSK: []byte(DefaultPSK), Logger: slog.New(h)})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dpc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 3)
	go func() { done <- srv.ServeTCP(l) }()
	go func() { done <- srv.Serve(pc) }()
	go func() { done <- srv.ServeDTLS(dpc) }()
	for range 3 {
		<-h.serving
	}
	srv.Close()
	close(h.open)
	for range 3 {
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve = %v after Close", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a Serve still runs 5s after Close")
		}
	}
}
