package conns

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// testTimeout bounds every wait of these tests; reaching it is a failure.
const testTimeout = 10 * time.Second

// FlakyListener is a TCP listener on 127.0.0.1 whose Accept fails, as many
// times as asked, with an error wrapping a given one (by default the
// temporary "too many open files", EMFILE) in an error that is not a
// net.Error, then accepts for real. It is exported for the tests of the
// conns_test package.
type FlakyListener struct {
	net.Listener
	fails atomic.Int64
	err   error // wrapped in each failure
	// Failed receives the time of each failure returned, as it is returned.
	Failed chan time.Time
}

// NewFlakyListener listens on 127.0.0.1:0 until the test ends; its first
// fails accepts fail with EMFILE.
func NewFlakyListener(t testing.TB, fails int64) *FlakyListener {
	t.Helper()
	return NewFailingListener(t, fails, syscall.EMFILE)
}

// NewFailingListener is as NewFlakyListener, its failures wrapping err.
func NewFailingListener(t testing.TB, fails int64, err error) *FlakyListener {
	t.Helper()
	ln, lerr := net.Listen("tcp", "127.0.0.1:0")
	if lerr != nil {
		t.Fatalf("Listen() = %v", lerr)
	}
	t.Cleanup(func() { ln.Close() })
	l := &FlakyListener{Listener: ln, err: err, Failed: make(chan time.Time, 1000)}
	l.fails.Store(fails)
	return l
}

// Accept fails while failures are left, then accepts.
func (l *FlakyListener) Accept() (net.Conn, error) {
	if l.fails.Add(-1) >= 0 {
		select {
		case l.Failed <- time.Now():
		default:
		}
		return nil, fmt.Errorf("accept tcp %s: %w", l.Addr(), l.err)
	}
	return l.Listener.Accept()
}

// waitFailures waits for n more failures of l and returns the time of the
// last.
func waitFailures(t testing.TB, l *FlakyListener, n int) time.Time {
	t.Helper()
	var last time.Time
	timeout := time.NewTimer(testTimeout)
	defer timeout.Stop()
	for i := range n {
		select {
		case last = <-l.Failed:
		case <-timeout.C:
			t.Fatalf("saw %d accept failures in %v, want %d", i, testTimeout, n)
		}
	}
	return last
}

// recordRetries is a slog handler that keeps the retry_in of each record.
type recordRetries struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (h *recordRetries) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordRetries) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *recordRetries) WithGroup(string) slog.Handler            { return h }
func (h *recordRetries) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "retry_in" {
			h.mu.Lock()
			h.waits = append(h.waits, a.Value.Duration())
			h.mu.Unlock()
		}
		return true
	})
	return nil
}

func (h *recordRetries) take() []time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	w := h.waits
	h.waits = nil
	return w
}

// accepted runs l.Accept in a goroutine.
func accepted(l net.Listener) <-chan error {
	done := make(chan error, 1)
	go func() {
		c, err := l.Accept()
		if c != nil {
			c.Close()
		}
		done <- err
	}()
	return done
}

// await returns what done delivers, failing the test after testTimeout.
func await(t testing.TB, what string, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(testTimeout):
		t.Fatalf("%s still running after %v", what, testTimeout)
		return nil
	}
}

func dialAndClose(t testing.TB, addr string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, testTimeout)
	if err != nil {
		t.Fatalf("Dial(%s) = %v", addr, err)
	}
	c.Close()
}

func TestNewListenerSchedule(t *testing.T) {
	l := NewListener(NewFlakyListener(t, 0), nil)
	if l.first != 5*time.Millisecond || l.most != time.Second {
		t.Errorf("NewListener() pauses from %v up to %v, want 5ms up to 1s", l.first, l.most)
	}
}

// Failed accepts are retried after pauses that double up to the longest,
// and a successful accept starts the next pauses from the first again.
func TestListenerRetriesWithBackoff(t *testing.T) {
	fl := NewFlakyListener(t, 6)
	rec := &recordRetries{}
	l := newListener(fl, slog.New(rec), time.Microsecond, 8*time.Microsecond)

	done := accepted(l)
	dialAndClose(t, fl.Addr().String())
	if err := await(t, "Accept()", done); err != nil {
		t.Fatalf("Accept() after 6 temporary failures = %v, want a connection", err)
	}
	us := time.Microsecond
	if got, want := rec.take(), []time.Duration{us, 2 * us, 4 * us, 8 * us, 8 * us, 8 * us}; !slices.Equal(got, want) {
		t.Errorf("pauses = %v, want %v", got, want)
	}

	fl.fails.Store(2)
	done = accepted(l)
	dialAndClose(t, fl.Addr().String())
	if err := await(t, "Accept()", done); err != nil {
		t.Fatalf("second Accept() = %v, want a connection", err)
	}
	if got, want := rec.take(), []time.Duration{us, 2 * us}; !slices.Equal(got, want) {
		t.Errorf("pauses after a success = %v, want %v (reset)", got, want)
	}
}

// Close ends a pause at once: with an hour-long pause, anything else would
// run into the test's timeout.
func TestListenerCloseInterruptsPause(t *testing.T) {
	fl := NewFlakyListener(t, 1<<40)
	l := newListener(fl, nil, time.Hour, time.Hour)
	done := accepted(l)
	waitFailures(t, fl, 1)
	if err := l.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}
	err := await(t, "Accept() during a pause, after Close,", done)
	if !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept() = %v, want net.ErrClosed", err)
	}
	if err := l.Close(); err == nil || !errors.Is(err, net.ErrClosed) {
		t.Errorf("second Close() = %v, want net.ErrClosed", err)
	}
}

// Errors that may go away by themselves are retried; others are not.
func TestTemporary(t *testing.T) {
	opErr := func(err error) error {
		return &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", err)}
	}
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{syscall.EMFILE, true},
		{fmt.Errorf("accept: %w", syscall.EMFILE), true},
		{opErr(syscall.ENFILE), true},
		{opErr(syscall.EINTR), true},
		{opErr(syscall.EAGAIN), true},
		{opErr(syscall.ECONNABORTED), true},
		{&net.OpError{Op: "accept", Net: "tcp", Err: os.ErrDeadlineExceeded}, true},
		{syscall.EINVAL, false},
		{fmt.Errorf("accept: %w", syscall.EINVAL), false},
		{opErr(syscall.EBADF), false},
		{opErr(syscall.ENOTSOCK), false},
		{&net.OpError{Op: "accept", Net: "tcp", Err: errors.New("boom")}, false},
		{errors.New("boom"), false},
	} {
		if got := temporary(tt.err); got != tt.want {
			t.Errorf("temporary(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

// A failure that is not temporary is returned at once, without a pause:
// with an hour-long pause, a retry would run into the test's timeout.
func TestListenerPermanentFailure(t *testing.T) {
	fl := NewFailingListener(t, 1<<40, syscall.EINVAL)
	l := newListener(fl, nil, time.Hour, time.Hour)
	defer l.Close()
	err := await(t, "Accept() after a permanent failure", accepted(l))
	if !errors.Is(err, syscall.EINVAL) {
		t.Errorf("Accept() = %v, want EINVAL", err)
	}
	if n := len(fl.Failed); n != 1 {
		t.Errorf("Accept tried %d times, want 1", n)
	}
}

// A closed listener is not retried.
func TestListenerClosedIsFinal(t *testing.T) {
	fl := NewFlakyListener(t, 0)
	l := newListener(fl, nil, time.Hour, time.Hour)
	fl.Listener.Close() // closed behind the wrapper's back: no pause either
	err := await(t, "Accept() on a closed listener", accepted(l))
	if !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept() = %v, want net.ErrClosed", err)
	}
}

// Tracker.Serve keeps serving through temporary failures.
func TestTrackerServe(t *testing.T) {
	var tr Tracker
	fl := NewFlakyListener(t, 3)
	handled := make(chan struct{}, 1)
	served := make(chan error, 1)
	go func() {
		served <- tr.serve(newListener(fl, nil, time.Microsecond, time.Millisecond), func(net.Conn) { handled <- struct{}{} })
	}()
	dialAndClose(t, fl.Addr().String())
	select {
	case <-handled:
	case <-time.After(testTimeout):
		t.Fatal("no connection handled after 3 temporary accept failures")
	}
	if n := len(fl.Failed); n != 3 {
		t.Errorf("Accept failed %d times before the connection, want 3", n)
	}
	if err := tr.Shutdown(); err != nil {
		t.Errorf("Shutdown() = %v", err)
	}
	if err := await(t, "Serve() after Shutdown", served); err != nil {
		t.Errorf("Serve() = %v, want nil after Shutdown", err)
	}
	if err := tr.Serve(NewFlakyListener(t, 0), nil, func(net.Conn) {}); err != nil {
		t.Errorf("Serve() after Shutdown = %v, want nil", err)
	}
}

// Shutdown ends Tracker.Serve's pause at once: with an hour-long pause,
// anything else would run into the test's timeout.
func TestTrackerShutdownInterruptsPause(t *testing.T) {
	var tr Tracker
	fl := NewFlakyListener(t, 1<<40)
	served := make(chan error, 1)
	go func() { served <- tr.serve(newListener(fl, nil, time.Hour, time.Hour), func(net.Conn) {}) }()
	waitFailures(t, fl, 1)
	if err := tr.Shutdown(); err != nil {
		t.Errorf("Shutdown() = %v", err)
	}
	if err := await(t, "Serve() after Shutdown during a pause", served); err != nil {
		t.Errorf("Serve() = %v, want nil after Shutdown", err)
	}
}

// Tracker.Serve ends at a failure that is not temporary, with that error,
// and closes its listener.
func TestTrackerServePermanentFailure(t *testing.T) {
	var tr Tracker
	defer tr.Shutdown()
	fl := NewFailingListener(t, 1<<40, syscall.EBADF)
	served := make(chan error, 1)
	go func() { served <- tr.serve(newListener(fl, nil, time.Hour, time.Hour), func(net.Conn) {}) }()
	err := await(t, "Serve() after a permanent accept failure", served)
	if !errors.Is(err, syscall.EBADF) {
		t.Errorf("Serve() = %v, want EBADF", err)
	}
	fl.fails.Store(0)
	if _, err := fl.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Accept() after Serve returned = %v, want net.ErrClosed (closed by Serve)", err)
	}
}

// Tracker.Serve reports a listener closed by someone else.
func TestTrackerServeListenerClosed(t *testing.T) {
	var tr Tracker
	defer tr.Shutdown()
	fl := NewFlakyListener(t, 0)
	served := make(chan error, 1)
	go func() { served <- tr.Serve(fl, nil, func(net.Conn) {}) }()
	fl.Listener.Close() // before or after Serve starts accepting: the same

	if err := await(t, "Serve() on a closed listener", served); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Serve() = %v, want net.ErrClosed", err)
	}
}
