//go:build soak

package e2e

import (
	"flag"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/testbed-dev/testbed/internal/peakrss"
	"github.com/testbed-dev/testbed/internal/testenv"
)

// The soak benchmark is not part of the default run:
//
//	go test -tags soak -run TestSoak -timeout 60m ./e2e -soak.n 100
var soakN = flag.Int("soak.n", 100, "up/down cycles of the soak test")

// soakSample is one CLI process of a cycle.
type soakSample struct {
	took   time.Duration
	maxRSS int64 // KiB, the child's own peak (peakrss: its rusage would be this test process's size)
}

// TestSoak runs N up/down cycles of the default testbed with the real CLI
// binary: every cycle must leave nothing labelled on the engine, and the
// CLI's peak RSS must stay flat. It reports first/median/max of the peak
// RSS and of the up and down times.
func TestSoak(t *testing.T) {
	s := newSub(t)
	var ups, downs []soakSample
	run := func(args ...string) soakSample {
		t.Helper()
		start := time.Now()
		p := s.start(args...)
		w := peakrss.Start(p.cmd.Process.Pid)
		r := p.wait(t)
		took := time.Since(start)
		peak := w.Stop()
		if r.code != 0 {
			t.Fatalf("%s: exit %d\n%s", strings.Join(args, " "), r.code, r.err)
		}
		return soakSample{took: took, maxRSS: peak}
	}
	for i := 0; i < *soakN; i++ {
		ups = append(ups, run("up"))
		downs = append(downs, run("down"))
		if left := testenv.Leftovers(t, s.cli, s.project); len(left) > 0 {
			t.Fatalf("cycle %d leaked %v", i+1, left)
		}
	}
	t.Logf("%d cycles of the default testbed, zero leaked resources after each", *soakN)
	t.Logf("up   time %s   peak RSS %s", stats(ups, dur), stats(ups, rss))
	t.Logf("down time %s   peak RSS %s", stats(downs, dur), stats(downs, rss))
	for _, c := range []struct {
		name string
		s    []soakSample
	}{{"up", ups}, {"down", downs}} {
		if len(c.s) < 8 {
			continue
		}
		q := len(c.s) / 4
		first, last := median(c.s[1:q+1], rss), median(c.s[len(c.s)-q:], rss)
		if float64(last) > 1.2*float64(first)+2048 {
			t.Errorf("%s peak RSS grew: median %d KiB in the first quarter, %d KiB in the last", c.name, first, last)
		}
	}
}

func dur(s soakSample) int64 { return int64(s.took) }
func rss(s soakSample) int64 { return s.maxRSS }

func median(s []soakSample, f func(soakSample) int64) int64 {
	v := make([]int64, len(s))
	for i, x := range s {
		v[i] = f(x)
	}
	slices.Sort(v)
	return v[len(v)/2]
}

// stats is "first F, median M, max X" of one measure.
func stats(s []soakSample, f func(soakSample) int64) string {
	v := make([]int64, len(s))
	for i, x := range s {
		v[i] = f(x)
	}
	first := v[0]
	slices.Sort(v)
	show := func(n int64) string {
		if f(soakSample{took: 1}) == 1 { // a duration
			return time.Duration(n).Round(time.Millisecond).String()
		}
		return fmt.Sprintf("%.1f MiB", float64(n)/1024)
	}
	return fmt.Sprintf("first %s, median %s, max %s", show(first), show(v[len(v)/2]), show(v[len(v)-1]))
}
