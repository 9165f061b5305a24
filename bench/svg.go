package main

import (
	"fmt"
	"html"
	"strings"
	"time"
)

// bar is one bar of the chart: a median with its min-max whisker.
type bar struct {
	label string
	s     summary
	mark  bool // testbed's own bar, drawn in another colour
}

// chart draws groups of horizontal bars (median, with a min-max whisker) as
// a small self-contained SVG.
func chart(title string, groups []string, bars [][]bar) string {
	const (
		width    = 860
		labelW   = 330
		rowH     = 22
		plotW    = width - labelW - 90
		groupGap = 34
	)
	var maxD time.Duration
	rows := 0
	for _, g := range bars {
		rows += len(g)
		for _, b := range g {
			maxD = max(maxD, b.s.max)
		}
	}
	if maxD == 0 {
		maxD = time.Second
	}
	height := 50 + rows*rowH + len(groups)*groupGap + 30
	x := func(d time.Duration) float64 { return float64(labelW) + float64(plotW)*float64(d)/float64(maxD) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">`+"\n", width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="#fff"/>`+"\n")
	fmt.Fprintf(&b, `<text x="10" y="22" font-size="15" font-weight="bold">%s</text>`+"\n", html.EscapeString(title))
	y := 40
	for gi, g := range bars {
		y += 18
		fmt.Fprintf(&b, `<text x="10" y="%d" font-weight="bold">%s</text>`+"\n", y, html.EscapeString(groups[gi]))
		y += 8
		for _, r := range g {
			colour := "#8aa4c8"
			if r.mark {
				colour = "#2b8a3e"
			}
			fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", labelW-8, y+15, html.EscapeString(r.label))
			if r.s.n > 0 {
				fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>`+"\n", labelW, y+4, x(r.s.med)-labelW, rowH-8, colour)
				fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#333"/>`+"\n", x(r.s.min), x(r.s.max), y+11, y+11)
				fmt.Fprintf(&b, `<text x="%.1f" y="%d">%.2f s</text>`+"\n", x(r.s.max)+6, y+15, r.s.med.Seconds())
			}
			y += rowH
		}
		y += groupGap - 26
	}
	fmt.Fprintf(&b, `<text x="10" y="%d" fill="#555">bars: median; whiskers: min–max</text>`+"\n", height-10)
	b.WriteString("</svg>\n")
	return b.String()
}
