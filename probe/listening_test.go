package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"testing"
	"time"
)

// direct is an addrs target that reaches its servers directly.
type direct struct{ addrs }

func (direct) Direct() bool { return true }

var _ DirectReporter = direct{}

// httpStatus serves HTTP answering code to everything.
func httpStatus(t *testing.T, code int) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) }), ReadHeaderTimeout: time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

func TestNobodyListens(t *testing.T) {
	refusedAddr := refused(t)
	closing := serveClosing(t)
	silent := serve(t, nil, func(net.Conn) {})
	wrongBanner := serve(t, nil, func(c net.Conn) { fmt.Fprint(c, "500 go away\r\n") })
	unavailable := httpStatus(t, http.StatusServiceUnavailable)
	short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	check := func(p Probe, a string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		return p.Check(ctx, addrs{80: a})
	}
	banner := &Banner{Port: 80, Expect: regexp.MustCompile(`^220 `)}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"tcp refused", check(&TCP{Port: 80}, refusedAddr), true},
		{"tcp closed at once (port proxy)", check(&TCP{Port: 80}, closing), true},
		{"http refused", check(&HTTP{Port: 80}, refusedAddr), true},
		{"http closed at once", check(&HTTP{Port: 80}, closing), true},
		{"https refused", check(&HTTP{Port: 80, TLS: true}, refusedAddr), true},
		{"banner closed at once", check(banner, closing), true},
		{"echo closed at once", check(&Echo{Port: 80}, closing), true},
		{"http 503", check(&HTTP{Port: 80}, unavailable), false},
		{"wrong banner", check(banner, wrongBanner), false},
		{"silent banner", banner.Check(short, addrs{80: silent}), false},
		{"all refused", check(All(&TCP{Port: 80}, &HTTP{Port: 80}), refusedAddr), true},
		{"all: one refused, one answering", All(&TCP{Port: 80}, &HTTP{Port: 81}).Check(context.Background(), addrs{80: refusedAddr, 81: unavailable}), false},
		{"wrapped", fmt.Errorf("start: %w", check(&TCP{Port: 80}, refusedAddr)), true},
		{"permanent", Permanent(errors.New("bad")), false},
		{"deadline", context.DeadlineExceeded, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.want && tt.err == nil {
				t.Fatalf("the check passed, want a failure")
			}
			if got := nobodyListens(tt.err); got != tt.want {
				t.Errorf("nobodyListens(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

// serveClosing accepts connections and closes them at once, as an engine's
// port proxy does when nothing listens behind it.
func serveClosing(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().String()
}

func TestTCPDirectNeedsNoProxyWindow(t *testing.T) {
	closing := serveClosing(t)
	if err := (&TCP{Port: 80}).Check(context.Background(), addrs{80: closing}); !errors.Is(err, errClosedAtOnce) {
		t.Errorf("Check(through a proxy) = %v, want errClosedAtOnce", err)
	}
	// A direct target reaches the server itself: the connection is the answer.
	if err := (&TCP{Port: 80}).Check(context.Background(), direct{addrs{80: closing}}); err != nil {
		t.Errorf("Check(direct) = %v, want nil", err)
	}
}

// TestWaitSchedule counts checks in a fixed time: while nothing listens
// they run every few milliseconds; once a server answers (not ready), and
// after the fast window, they back off. Upper bounds hold however loaded
// the machine is; lower bounds leave a wide margin.
func TestWaitSchedule(t *testing.T) {
	refusedAddr := refused(t)
	unavailable := httpStatus(t, http.StatusServiceUnavailable)
	tests := []struct {
		name            string
		probe           Probe
		target          Target
		o               WaitOptions
		atLeast, atMost int
	}{
		// 300ms at 5ms is about 60 checks.
		{"refused: fast", &HTTP{Port: 80}, addrs{80: refusedAddr}, WaitOptions{}, 15, 70},
		// 2+3+4.5+...: the 12th check starts after 300ms.
		{"refused, fast off: backoff", &HTTP{Port: 80}, addrs{80: refusedAddr}, WaitOptions{Fast: -1}, 2, 12},
		{"refused after the window: backoff", &HTTP{Port: 80}, addrs{80: refusedAddr}, WaitOptions{FastWindow: time.Nanosecond}, 2, 12},
		{"answering 503: backoff", &HTTP{Port: 80}, addrs{80: unavailable}, WaitOptions{}, 2, 12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.o
			o.Timeout = 300 * time.Millisecond
			res, err := Wait(context.Background(), tt.probe, tt.target, o)
			if !errors.Is(err, ErrNotReady) {
				t.Fatalf("Wait() = %v, want ErrNotReady", err)
			}
			if res.Tries < tt.atLeast || res.Tries > tt.atMost {
				t.Errorf("Wait() tried %d times in 300ms, want %d-%d", res.Tries, tt.atLeast, tt.atMost)
			}
		})
	}
}
