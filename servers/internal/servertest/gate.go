package servertest

import (
	"context"
	"log/slog"
	"testing"
	"time"
)

// Gate is a logger that holds every call logging one message until Open:
// a server that logs it just before it hands its socket to a library's
// Serve waits there, so a test can put Close exactly in between.
type Gate struct {
	message string
	held    chan struct{}
	open    chan struct{}
}

// NewGate holds the logging of message, by up to n callers at once
// before Open.
func NewGate(message string, n int) *Gate {
	return &Gate{message: message, held: make(chan struct{}, n), open: make(chan struct{})}
}

// Logger is the logger to give the server.
func (g *Gate) Logger() *slog.Logger { return slog.New(gateHandler{g}) }

// Held waits until n callers are held.
func (g *Gate) Held(n int) {
	for range n {
		<-g.held
	}
}

// Open lets every held caller, and later ones, go on.
func (g *Gate) Open() { close(g.open) }

type gateHandler struct{ g *Gate }

func (gateHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h gateHandler) WithAttrs([]slog.Attr) slog.Handler     { return h }
func (h gateHandler) WithGroup(string) slog.Handler          { return h }

func (h gateHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Message == h.g.message {
		select {
		case <-h.g.open:
		default:
			h.g.held <- struct{}{}
			<-h.g.open
		}
	}
	return nil
}

// AllReturn fails t unless n Serve calls, each sending its result on done,
// all return nil within 5 seconds (of a Close).
func AllReturn(t testing.TB, done <-chan error, n int) {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for range n {
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve = %v after Close", err)
			}
		case <-timeout:
			t.Fatal("a Serve still runs 5s after Close")
		}
	}
}
