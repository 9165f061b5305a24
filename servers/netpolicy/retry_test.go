package netpolicy

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"syscall"
	"testing"
	"time"
)

// dialCounter counts Debug "dial" lines and runs onSecond in the second
// one, just before that dial is made.
type dialCounter struct {
	n        int
	onSecond func()
}

func (*dialCounter) Enabled(context.Context, slog.Level) bool { return true }
func (h *dialCounter) WithAttrs([]slog.Attr) slog.Handler     { return h }
func (h *dialCounter) WithGroup(string) slog.Handler          { return h }
func (h *dialCounter) Handle(_ context.Context, r slog.Record) error {
	if r.Level == slog.LevelDebug {
		if h.n++; h.n == 2 {
			h.onSecond()
		}
	}
	return nil
}

// A destination that refuses is dialled again while RefusedRetry lasts, and
// the dial succeeds once it listens; without RefusedRetry the refusal is
// the answer.
func TestRefusedRetry(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // refuses until it listens again
	allow := []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}

	once := &Policy{Nets: allow}
	if _, err := once.DialContext(context.Background(), "tcp", addr); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial without RefusedRetry = %v, want refused", err)
	}

	var again net.Listener
	h := &dialCounter{onSecond: func() {
		if again, err = net.Listen("tcp", addr); err != nil {
			t.Errorf("listen again on %s: %v", addr, err)
		}
	}}
	retry := &Policy{Nets: allow, RefusedRetry: 5 * time.Second, Logger: slog.New(h)}
	c, err := retry.DialContext(context.Background(), "tcp", addr)
	if err != nil {
		t.Fatalf("dial with RefusedRetry = %v, want it to connect once the destination listens", err)
	}
	c.Close()
	again.Close()
	if h.n != 2 {
		t.Errorf("%d dials, want 2", h.n)
	}
}
