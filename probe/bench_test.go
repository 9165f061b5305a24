package probe

import (
	"context"
	"net"
	"testing"
	"time"
)

// BenchmarkReadinessLatency measures how long after a listener opens Wait
// reports the server ready: the gap-ms metric is the mean, max-gap-ms the
// worst. ns/op is mostly the start delay itself. While the port refuses
// connections Wait checks every DefaultFast, so the gap stays a few
// milliseconds plus the TCP probe's ProxyWindow (the target here is not a
// DirectReporter) whatever the delay, within DefaultFastWindow.
func BenchmarkReadinessLatency(b *testing.B) {
	cases := []struct {
		delay time.Duration
		max   time.Duration // WaitOptions.Max; 0 is the default
	}{
		{5 * time.Millisecond, 0},
		{50 * time.Millisecond, 0},
		{200 * time.Millisecond, 0},
		{200 * time.Millisecond, 25 * time.Millisecond},
	}
	for _, c := range cases {
		name := "delay=" + c.delay.String()
		if c.max != 0 {
			name += ",max=" + c.max.String()
		}
		b.Run(name, func(b *testing.B) {
			var sum, worst time.Duration
			for range b.N {
				gap := readinessGap(b, c.delay, c.max)
				sum += gap
				worst = max(worst, gap)
			}
			b.ReportMetric(float64(sum)/float64(b.N)/float64(time.Millisecond), "gap-ms")
			b.ReportMetric(float64(worst)/float64(time.Millisecond), "max-gap-ms")
		})
	}
}

// readinessGap opens a listener delay after Wait starts and returns how long
// Wait took to notice.
func readinessGap(b *testing.B, delay, maxInterval time.Duration) time.Duration {
	a := refused(b)
	type opened struct {
		ln  net.Listener
		at  time.Time
		err error
	}
	ch := make(chan opened, 1)
	time.AfterFunc(delay, func() {
		ln, err := net.Listen("tcp", a)
		ch <- opened{ln, time.Now(), err}
	})
	_, err := Wait(context.Background(), &TCP{Port: 80}, addrs{80: a}, WaitOptions{Timeout: 10 * time.Second, Max: maxInterval})
	done := time.Now()
	o := <-ch
	if o.err != nil {
		b.Fatalf("Listen(%s) = %v", a, o.err)
	}
	defer o.ln.Close()
	if err != nil {
		b.Fatalf("Wait() = %v", err)
	}
	return done.Sub(o.at)
}
