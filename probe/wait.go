package probe

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/testbed-dev/testbed/spec"
)

// WaitOptions tunes Wait. The zero value uses the defaults.
type WaitOptions struct {
	Timeout time.Duration // overall deadline; 0 = spec.DefaultTimeout
	Initial time.Duration // first interval between checks; 0 = DefaultInitial
	Max     time.Duration // interval cap; 0 = DefaultMax
	// Fast is the interval while nothing listens on the server's ports,
	// during the first FastWindow; 0 = DefaultFast, negative = back off
	// always.
	Fast           time.Duration
	FastWindow     time.Duration // 0 = DefaultFastWindow
	AttemptTimeout time.Duration // bound of one check; 0 = DefaultAttempt, never beyond the overall deadline
	// OnAttempt, when set, is called after each check with its number (from
	// 1) and its error (nil when the probe passed), for progress output.
	OnAttempt func(n int, err error)
}

// Result says how a Wait went.
type Result struct {
	Tries   int           // checks run
	Elapsed time.Duration // from the call to the return
}

// Wait checks p against t until it passes; the first check runs at once.
// While a check fails only because nothing listens yet (see the package's
// defaults) the next runs after Fast, during the first FastWindow; otherwise
// the interval starts at Initial and grows by BackoffFactor up to Max.
//
// It returns early with the error of a check that wraps ErrPermanent. When
// ctx ends it returns ctx's error, wrapped. When Timeout passes it returns an
// error wrapping ErrNotReady and the last check's error, like
//
//	not ready after 60s (231 tries): http GET / on 80 = 200: last error: connection refused
//
// A check cut short by the deadline only says that time ran out, so the error
// then quotes the check before it.
func Wait(ctx context.Context, p Probe, t Target, o WaitOptions) (Result, error) {
	start := time.Now()
	if p == nil || t == nil {
		return Result{}, errors.New("wait: nil probe or target")
	}
	o = o.withDefaults()
	wctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	deadline, _ := wctx.Deadline()

	interval := o.Initial
	var timer *time.Timer
	var res Result
	var last error
	for {
		res.Tries++
		prev := last
		last = attempt(wctx, p, t, o.AttemptTimeout)
		if o.OnAttempt != nil {
			o.OnAttempt(res.Tries, last)
		}
		if last != nil && prev != nil && !errors.Is(last, ErrPermanent) && !time.Now().Before(deadline) {
			// The deadline cut this check short, which Wait's error says
			// anyway; the check before tells more.
			last = prev
		}
		res.Elapsed = time.Since(start)
		if last == nil {
			return res, nil
		}
		if errors.Is(last, ErrPermanent) {
			return res, fmt.Errorf("%s: failed after %s: %w", p, tries(res.Tries), last)
		}
		if wctx.Err() != nil {
			return res, ended(ctx, o.Timeout, p, res, last)
		}

		var pause time.Duration
		if o.Fast > 0 && time.Since(start) < o.FastWindow && nobodyListens(last) {
			// Cheap for the server: keep looking often, ramping up to Fast.
			pause = min(interval, o.Fast)
			if interval < o.Fast {
				interval = next(interval, o.Max)
			}
		} else {
			pause = interval
			interval = next(interval, o.Max)
		}
		if timer == nil {
			timer = time.NewTimer(pause)
			defer timer.Stop()
		} else {
			timer.Reset(pause)
		}
		select {
		case <-timer.C:
		case <-wctx.Done():
			res.Elapsed = time.Since(start)
			return res, ended(ctx, o.Timeout, p, res, last)
		}
	}
}

// next is the interval after cur: BackoffFactor times longer, at most limit.
func next(cur, limit time.Duration) time.Duration {
	return min(time.Duration(float64(cur)*BackoffFactor), limit)
}

// attempt runs one check bounded by the attempt timeout (and by ctx).
func attempt(ctx context.Context, p Probe, t Target, limit time.Duration) error {
	actx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	return p.Check(actx, t)
}

func (o WaitOptions) withDefaults() WaitOptions {
	if o.Timeout <= 0 {
		o.Timeout = spec.DefaultTimeout
	}
	if o.Initial <= 0 {
		o.Initial = DefaultInitial
	}
	if o.Max <= 0 {
		o.Max = DefaultMax
	}
	if o.Max < o.Initial {
		o.Max = o.Initial
	}
	if o.Fast == 0 {
		o.Fast = DefaultFast
	}
	if o.FastWindow <= 0 {
		o.FastWindow = DefaultFastWindow
	}
	if o.AttemptTimeout <= 0 {
		o.AttemptTimeout = DefaultAttempt
	}
	return o
}

// ended is Wait's error once its own context is done: the caller's ctx
// ended (whose error is set before the derived one's), or the timeout passed.
func ended(ctx context.Context, timeout time.Duration, p Probe, r Result, last error) error {
	if ctx.Err() != nil {
		return canceled(ctx, p, r, last)
	}
	return notReady(timeout, p, r, last)
}

func notReady(timeout time.Duration, p Probe, r Result, last error) error {
	return fmt.Errorf("%w after %s (%s): %s: last error: %w", ErrNotReady, seconds(timeout), tries(r.Tries), p, last)
}

func canceled(ctx context.Context, p Probe, r Result, last error) error {
	err := ctx.Err()
	if cause := context.Cause(ctx); cause != nil && cause != err {
		err = fmt.Errorf("%w: %w", err, cause)
	}
	return fmt.Errorf("wait for %s: %w (after %s; last error: %v)", p, err, tries(r.Tries), last)
}

func tries(n int) string {
	if n == 1 {
		return "1 try"
	}
	return strconv.Itoa(n) + " tries"
}

// seconds shows d as people write timeouts: "60s", "1.5s", "250ms".
func seconds(d time.Duration) string {
	if d >= time.Second && d%time.Millisecond == 0 {
		return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s"
	}
	return d.String()
}
