package probe

import (
	"context"
	"errors"
	"net"
	"regexp"
	"strconv"
	"testing"
	"time"
)

func TestWaitSeesLateListener(t *testing.T) {
	a := refused(t)
	_, portStr, _ := net.SplitHostPort(a)
	port, _ := strconv.Atoi(portStr)
	firstFailure := make(chan struct{})
	type outcome struct {
		res Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := Wait(context.Background(), &TCP{Port: port}, addrs{port: a}, WaitOptions{
			Timeout: 20 * time.Second,
			OnAttempt: func(n int, err error) {
				if n == 1 && err != nil {
					close(firstFailure)
				}
			},
		})
		done <- outcome{res, err}
	}()
	<-firstFailure
	ln, err := net.Listen("tcp", a)
	if err != nil {
		t.Fatalf("Listen(%s) = %v", a, err)
	}
	defer ln.Close()
	got := <-done
	if got.err != nil {
		t.Fatalf("Wait() = %v, want nil", got.err)
	}
	if got.res.Tries < 2 {
		t.Errorf("Wait().Tries = %d, want at least 2", got.res.Tries)
	}
	if got.res.Elapsed <= 0 {
		t.Errorf("Wait().Elapsed = %v, want > 0", got.res.Elapsed)
	}
}

func TestWaitReadyAtOnce(t *testing.T) {
	open := serve(t, nil, func(net.Conn) {})
	var calls []int
	res, err := Wait(context.Background(), &TCP{Port: 80}, addrs{80: open}, WaitOptions{
		OnAttempt: func(n int, err error) {
			if err != nil {
				t.Errorf("OnAttempt(%d, %v), want a nil error", n, err)
			}
			calls = append(calls, n)
		},
	})
	if err != nil || res.Tries != 1 {
		t.Fatalf("Wait() = %+v, %v, want 1 try, nil", res, err)
	}
	if len(calls) != 1 || calls[0] != 1 {
		t.Errorf("OnAttempt calls = %v, want [1]", calls)
	}
}

func TestWaitTimeout(t *testing.T) {
	a := refused(t)
	p := &TCP{Port: 5432}
	var attempts int
	res, err := Wait(context.Background(), p, addrs{5432: a}, WaitOptions{
		Timeout:   100 * time.Millisecond,
		OnAttempt: func(n int, err error) { attempts = n },
	})
	if !errors.Is(err, ErrNotReady) {
		t.Fatalf("Wait() = %v, want ErrNotReady", err)
	}
	if errors.Is(err, ErrPermanent) {
		t.Errorf("Wait() = %v, want not permanent", err)
	}
	want := regexp.MustCompile(`^not ready after 100ms \((\d+) tries\): tcp 5432: last error: dial tcp ` +
		regexp.QuoteMeta(a) + `: connect: connection refused$`)
	m := want.FindStringSubmatch(err.Error())
	if m == nil {
		t.Fatalf("Wait() = %q, want match of %s", err, want)
	}
	if m[1] != strconv.Itoa(res.Tries) || res.Tries != attempts || res.Tries < 2 {
		t.Errorf("tries: message %s, Result %d, OnAttempt %d; want equal and > 1", m[1], res.Tries, attempts)
	}
	if res.Elapsed < 100*time.Millisecond {
		t.Errorf("Elapsed = %v, want at least the timeout", res.Elapsed)
	}
}

func TestWaitPermanentStops(t *testing.T) {
	tests := []struct {
		name   string
		probe  Probe
		target Target
		want   string
		is     error
	}{
		{"unsupported", &Exec{Command: []string{"true"}}, addrs{}, `exec ["true"]: failed after 1 try: target probe.addrs cannot run commands (no probe.Execer): unsupported by the target`, ErrUnsupported},
		{"exited non-zero", Exited{}, &fakeServer{exited: true, code: 2}, "exited: failed after 1 try: exited with status 2", ErrPermanent},
		{"bad port", &TCP{Port: 0}, addrs{}, "tcp 0: failed after 1 try: port 0 is out of range 1-65535", ErrPermanent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Wait(context.Background(), tt.probe, tt.target, WaitOptions{Timeout: time.Minute})
			checkErr(t, "Wait()", err, tt.want)
			if !errors.Is(err, tt.is) || errors.Is(err, ErrNotReady) {
				t.Errorf("Wait() = %v, want errors.Is %v and not ErrNotReady", err, tt.is)
			}
			if res.Tries != 1 {
				t.Errorf("Tries = %d, want 1", res.Tries)
			}
		})
	}
}

func TestWaitRetriesUnhealthy(t *testing.T) {
	srv := &fakeServer{health: Unhealthy}
	res, err := Wait(context.Background(), Health{}, srv, WaitOptions{
		Timeout: 10 * time.Second,
		OnAttempt: func(n int, err error) {
			if n == 3 {
				srv.mu.Lock()
				srv.health = Healthy
				srv.mu.Unlock()
			}
		},
	})
	if err != nil || res.Tries != 4 {
		t.Errorf("Wait() = %+v, %v, want 4 tries, nil", res, err)
	}
}

func TestWaitContext(t *testing.T) {
	a := refused(t)
	t.Run("canceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		res, err := Wait(ctx, &TCP{Port: 80}, addrs{80: a}, WaitOptions{
			OnAttempt: func(n int, _ error) {
				if n == 3 {
					cancel()
				}
			},
		})
		if !errors.Is(err, context.Canceled) || errors.Is(err, ErrNotReady) {
			t.Errorf("Wait() = %v, want context.Canceled and not ErrNotReady", err)
		}
		checkErr(t, "Wait()", err, "wait for tcp 80: context canceled (after 3 tries; last error: dial tcp")
		if res.Tries != 3 {
			t.Errorf("Tries = %d, want 3", res.Tries)
		}
	})
	t.Run("canceled with cause", func(t *testing.T) {
		ctx, cancel := context.WithCancelCause(context.Background())
		cancel(errors.New("user pressed ^C"))
		_, err := Wait(ctx, &TCP{Port: 80}, addrs{80: a}, WaitOptions{})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Wait() = %v, want context.Canceled", err)
		}
		checkErr(t, "Wait()", err, "context canceled: user pressed ^C")
	})
	t.Run("caller's deadline first", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
		defer cancel()
		_, err := Wait(ctx, &TCP{Port: 80}, addrs{80: a}, WaitOptions{Timeout: time.Minute})
		if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrNotReady) {
			t.Errorf("Wait() = %v, want DeadlineExceeded and not ErrNotReady", err)
		}
	})
}

func TestWaitAttemptTimeout(t *testing.T) {
	tests := []struct {
		name    string
		o       WaitOptions
		atMost  time.Duration
		atLeast time.Duration
	}{
		{"attempt timeout", WaitOptions{Timeout: time.Minute, AttemptTimeout: 20 * time.Millisecond}, 20 * time.Millisecond, 0},
		{"overall deadline wins", WaitOptions{Timeout: 40 * time.Millisecond, AttemptTimeout: time.Minute}, 40 * time.Millisecond, 0},
		{"default", WaitOptions{Timeout: time.Minute}, DefaultAttempt, DefaultAttempt - time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var left time.Duration
			p := probeFunc(func(ctx context.Context) error {
				dl, ok := ctx.Deadline()
				if !ok {
					return Permanent(errors.New("no deadline"))
				}
				left = time.Until(dl)
				return Permanent(errors.New("stop"))
			})
			_, err := Wait(context.Background(), p, addrs{}, tt.o)
			checkErr(t, "Wait()", err, "stop")
			if left > tt.atMost || left < tt.atLeast {
				t.Errorf("check's deadline in %v, want within [%v, %v]", left, tt.atLeast, tt.atMost)
			}
		})
	}
}

func TestWaitNil(t *testing.T) {
	if _, err := Wait(context.Background(), nil, addrs{}, WaitOptions{}); err == nil {
		t.Errorf("Wait(nil probe) = nil, want error")
	}
	if _, err := Wait(context.Background(), Health{}, nil, WaitOptions{}); err == nil {
		t.Errorf("Wait(nil target) = nil, want error")
	}
}

func TestBackoff(t *testing.T) {
	cur := DefaultInitial
	var seq []time.Duration
	for range 20 {
		seq = append(seq, cur)
		n := next(cur, DefaultMax)
		if n < cur || (cur < DefaultMax && (float64(n) < 1.5*float64(cur)-1 && n != DefaultMax)) || n > DefaultMax {
			t.Fatalf("next(%v) = %v, want ×1.5..2 capped at %v", cur, n, DefaultMax)
		}
		cur = n
	}
	if seq[0] != 2*time.Millisecond || seq[1] != 3*time.Millisecond || seq[19] != DefaultMax {
		t.Errorf("intervals = %v, want 2ms, 3ms, ... up to %v", seq, DefaultMax)
	}
}

func TestSeconds(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{60 * time.Second, "60s"},
		{90 * time.Second, "90s"},
		{1500 * time.Millisecond, "1.5s"},
		{250 * time.Millisecond, "250ms"},
		{1500 * time.Microsecond, "1.5ms"},
	}
	for _, tt := range tests {
		if got := seconds(tt.d); got != tt.want {
			t.Errorf("seconds(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}
