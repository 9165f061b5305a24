package main

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/testbed-dev/testbed/probe"
)

// report is everything one run measured.
type report struct {
	cfg         config
	all         []*series
	notes       []string
	engine, api string
	cpus        int
	image       string
	coldBuild   time.Duration
	colds       []time.Duration
	coldRSS     []int64
	coldErr     error
	lat         []latencyResult
	latErr      error
	upCalls     map[string]int
	downCalls   map[string]int
	callErr     error
	timings     string
	warm        []warmRow
}

func (r *report) find(prefix string) *series {
	for _, s := range r.all {
		if strings.HasPrefix(s.name, prefix) {
			return s
		}
	}
	return &series{}
}

// Names of the rows the targets compare.
const (
	rowFloor   = "floor"
	rowTestbed = "testbed"
	rowCompose = "docker-compose"
	rowTC      = "testcontainers-go"
)

func (r *report) markdown() string {
	var b strings.Builder
	floorName, testbedName := r.find(rowFloor).name, r.find(rowTestbed).name
	fmt.Fprintf(&b, "## testbed benchmark (%s)\n\n", time.Now().UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "Machine: %d CPUs, Docker %s (API %s). Default testbed (6 servers, %s), warm image, %d rounds per method (+%d warm-up), interleaved with a rotating order.\n\n",
		r.cpus, r.engine, r.api, r.image, r.cfg.rounds, r.cfg.warmup)
	b.WriteString(table("### Up: to every server ready (floor: started, no readiness)", r.all, (*series).ups, floorName, testbedName))
	b.WriteString("\n")
	b.WriteString(table("### Down: everything removed", r.all, (*series).downs, floorName, testbedName))
	for _, n := range r.notes {
		fmt.Fprintf(&b, "\nNote: %s.", n)
	}
	if len(r.warm) > 0 {
		fmt.Fprintf(&b, "\n\n### A warm testbed again, per call (issue 16: %d calls each, after a first)\n\n| method | median | worst |\n|---|--:|--:|\n", r.cfg.warm)
		for _, w := range r.warm {
			if w.err != nil {
				fmt.Fprintf(&b, "| %s | failed: %v | |\n", w.name, w.err)
				continue
			}
			med, worst := warmStats(w.calls)
			fmt.Fprintf(&b, "| %s | %s | %s |\n", w.name, ms(med), ms(worst))
		}
	}
	b.WriteString("\n\n### Targets (issues 7 and 16)\n\n| target | goal | measured | holds |\n|---|---|---|---|\n")
	row := func(name, goal, got string, ok bool) {
		mark := "yes"
		if !ok {
			mark = "**no**"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", name, goal, got, mark)
	}
	fl, tb, dc, tc := summarize(r.find(rowFloor).ups()), summarize(r.find(rowTestbed).ups()), summarize(r.find(rowCompose).ups()), summarize(r.find(rowTC).ups())
	if fl.n > 0 && tb.n > 0 {
		q := float64(tb.med) / float64(fl.med)
		row("up vs floor", "≤ 1.15× floor", fmt.Sprintf("%.2f× (%s vs %s)", q, secs(tb.med), secs(fl.med)), q <= 1.15)
	}
	if dc.n > 0 && tb.n > 0 {
		q := float64(dc.med) / float64(tb.med)
		row("up vs docker-compose", "≥ 2× faster", fmt.Sprintf("%.2f× faster", q), q >= 2)
	}
	if tc.n > 0 && tb.n > 0 {
		q := float64(tc.med) / float64(tb.med)
		row("up vs testcontainers-go", "faster", fmt.Sprintf("%.2f× faster", q), q > 1)
	}
	tbd, dcd := summarize(r.find(rowTestbed).downs()), summarize(r.find(rowCompose).downs())
	if tbd.n > 0 && dcd.n > 0 {
		q := float64(tbd.med) / float64(dcd.med)
		row("down vs docker-compose down -t 1", "≤ 0.5×", fmt.Sprintf("%.2f× (%s vs %s)", q, secs(tbd.med), secs(dcd.med)), q <= 0.5)
	}
	if r.callErr == nil && r.upCalls != nil {
		n := buildCalls(r.upCalls)
		row("unchanged spec builds nothing", "0 build/load/pull calls", fmt.Sprintf("%d (of %d engine calls in up)", n, total(r.upCalls)), n == 0)
	}
	if len(r.warm) > 0 && r.warm[0].err == nil && len(r.warm[0].calls) > 0 {
		med, _ := warmStats(r.warm[0].calls)
		row("Start with reuse (issue 16)", "≤ 50 ms median, reset included", ms(med), med <= 50*time.Millisecond)
	}
	if dc.n > 0 && tb.n > 0 {
		q := float64(tb.med) / float64(dc.med)
		row("up vs docker-compose (issue 16)", "≤ 0.5×", fmt.Sprintf("%.2f× (floor: %.2f×)", q, float64(fl.med)/float64(dc.med)), q <= 0.5)
	}
	if tbd.n > 0 && dcd.n > 0 {
		q := float64(tbd.med) / float64(dcd.med)
		row("down vs docker-compose (issue 16)", "≤ 0.5×", fmt.Sprintf("%.2f×", q), q <= 0.5)
	}
	if len(r.colds) > 0 && tb.n > 0 {
		c := summarize(r.colds)
		add := c.med - tb.med
		row("cold first up", "adds ≤ 1 s", fmt.Sprintf("+%s (cold up %s, median of %d)", secs(add), secs(c.med), c.n), add <= time.Second)
	}
	if len(r.lat) > 0 && r.latErr == nil {
		var worst time.Duration
		for _, l := range r.lat {
			if !strings.Contains(l.kind, "proxy") {
				worst = max(worst, l.worst)
			}
		}
		var last time.Duration
		for _, d := range latencyDelays {
			if d+latencyJitter < probe.DefaultFastWindow {
				last = d + latencyJitter
			}
		}
		row("readiness noticed", "≤ 25 ms", fmt.Sprintf("worst %s (tcp, http, banner probes; port opened %s–%s after the wait began)",
			ms(worst), latencyDelays[0], last), worst <= 25*time.Millisecond)
	}
	var rss []int64
	for _, s := range r.find(rowTestbed).samples {
		rss = append(rss, s.rssKB)
	}
	if len(rss) > 0 {
		peak := slices.Max(rss)
		row("CLI peak RSS during up", "≤ 60 MB", fmt.Sprintf("%.1f MB (max of %d ups; median %.1f MB)", float64(peak)/1024, len(rss), float64(medianInt(rss))/1024), peak <= 60*1024)
	}

	b.WriteString("\n### Details\n\n")
	fmt.Fprintf(&b, "- `testbed build`, cold (this run's own image tag, loaded as an image archive): %s\n", secs(r.coldBuild))
	if len(r.colds) > 0 {
		c := summarize(r.colds)
		fmt.Fprintf(&b, "- cold `testbed up` (image removed first): median %s, min %s, max %s", secs(c.med), secs(c.min), secs(c.max))
		if len(r.coldRSS) > 0 {
			fmt.Fprintf(&b, "; peak RSS %.1f MB", float64(slices.Max(r.coldRSS))/1024)
		}
		b.WriteString("\n")
	}
	if r.coldErr != nil {
		fmt.Fprintf(&b, "- cold up failed: %v\n", r.coldErr)
	}
	if r.latErr != nil {
		fmt.Fprintf(&b, "- readiness latency failed: %v\n", r.latErr)
	}
	for _, l := range r.lat {
		s, late := summarize(l.gaps), summarize(l.late)
		fmt.Fprintf(&b, "- readiness notice, %s probe: median %s, worst %s (port opened %s after the wait began); past the fast window: median %s, worst %s\n",
			l.kind, ms(s.med), ms(l.worst), l.worstDelay.Round(time.Millisecond), ms(late.med), ms(late.max))
	}
	if r.callErr != nil {
		fmt.Fprintf(&b, "- engine call count failed: %v\n", r.callErr)
	} else if r.upCalls != nil {
		fmt.Fprintf(&b, "- engine calls, warm `testbed up`: %s\n", formatCalls(r.upCalls))
		fmt.Fprintf(&b, "- engine calls, `testbed down`: %s\n", formatCalls(r.downCalls))
	}
	if r.timings != "" {
		fmt.Fprintf(&b, "\nLast `testbed up --timings`:\n\n```\n%s```\n", r.timings)
	}
	return b.String()
}

func (r *report) svg() string {
	var ups, downs []bar
	for _, s := range r.all {
		mark := strings.HasPrefix(s.name, rowTestbed)
		ups = append(ups, bar{label: short(s.name), s: summarize(s.ups()), mark: mark})
		downs = append(downs, bar{label: short(s.name), s: summarize(s.downs()), mark: mark})
	}
	title := fmt.Sprintf("Default testbed, %d CPUs, Docker %s: median of %d rounds", r.cpus, r.engine, r.cfg.rounds)
	return chart(title, []string{"up (to all ready)", "down"}, [][]bar{ups, downs})
}

// short is a row label without its parenthesis.
func short(name string) string {
	if i := strings.Index(name, " ("); i > 0 {
		return name[:i]
	}
	return name
}

func total(c map[string]int) int {
	n := 0
	for _, v := range c {
		n += v
	}
	return n
}

func medianInt(xs []int64) int64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
