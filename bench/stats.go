package main

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// series is every round of one method.
type series struct {
	name    string
	samples []sample
}

func (s *series) ups() []time.Duration {
	out := make([]time.Duration, len(s.samples))
	for i, x := range s.samples {
		out[i] = x.up
	}
	return out
}

func (s *series) downs() []time.Duration {
	out := make([]time.Duration, len(s.samples))
	for i, x := range s.samples {
		out[i] = x.down
	}
	return out
}

// summary is the median, min and max of some durations.
type summary struct {
	med, min, max time.Duration
	n             int
}

func summarize(ds []time.Duration) summary {
	if len(ds) == 0 {
		return summary{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	med := s[len(s)/2]
	if len(s)%2 == 0 {
		med = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return summary{med: med, min: s[0], max: s[len(s)-1], n: len(s)}
}

func secs(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

func ratio(a, b time.Duration) string {
	if a == 0 || b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", float64(a)/float64(b))
}

// table is a markdown table of one phase: median, min, max, and the median's
// ratio to the floor's and to testbed's.
func table(title string, all []*series, pick func(*series) []time.Duration, floorName, testbedName string) string {
	sums := map[string]summary{}
	for _, s := range all {
		sums[s.name] = summarize(pick(s))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", title)
	b.WriteString("| method | median | min | max | × floor | × testbed |\n|---|--:|--:|--:|--:|--:|\n")
	for _, s := range all {
		m := sums[s.name]
		if m.n == 0 {
			fmt.Fprintf(&b, "| %s | – | – | – | – | – |\n", s.name)
			continue
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", s.name, secs(m.med), secs(m.min), secs(m.max),
			ratio(m.med, sums[floorName].med), ratio(m.med, sums[testbedName].med))
	}
	return b.String()
}
