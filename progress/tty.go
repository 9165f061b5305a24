package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/testbed-dev/testbed/internal/printable"
)

// Default terminal size, when TTY.Size is nil or cannot tell.
const (
	defaultCols = 80
	defaultRows = 24
)

// TTY redraws one row per server in place, with ANSI cursor movement. Every
// row is cut to the terminal's width (ending in "…"), so no row ever wraps
// and the cursor arithmetic stays true; the full details follow in the
// endpoints table. When the terminal narrows, rows drawn at the old width
// may have been re-wrapped by the terminal, so the display starts again at
// the top of a cleared screen. When there are more rows than the terminal
// has lines, rows that scrolled away cannot be redrawn, and TTY prints one
// line per event instead, as Plain does.
type TTY struct {
	W io.Writer
	// Size reports the terminal's columns and lines; nil, or a zero
	// answer, means 80×24.
	Size func() (cols, lines int)

	mu     sync.Mutex
	rows   map[string]string
	order  []string
	drawn  int // rows on the screen from the last draw
	width  int // the width they were drawn at
	scroll bool
}

// Event implements Sink.
func (t *TTY) Event(e Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.rows == nil {
		t.rows = map[string]string{}
	}
	key := printable.Line(orProject(e.Server))
	if _, ok := t.rows[key]; !ok {
		t.order = append(t.order, key)
	}
	t.rows[key] = row(key, e)
	t.draw(key)
}

// Redraw draws every row again at the terminal's current size; call it when
// the terminal is resized.
func (t *TTY) Redraw() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.order) > 0 {
		t.draw("")
	}
}

// row is one server's line before it is cut to the width: the elapsed time
// comes before the detail, so that cutting takes the detail first.
func row(key string, e Event) string {
	mark := "…"
	switch e.Phase {
	case PhaseReady, PhaseRemoved, PhaseNetwork:
		mark = "✔"
	case PhaseFailed:
		mark = "✘"
	}
	detail := e.Detail
	if i := strings.IndexByte(detail, '\n'); i >= 0 {
		detail = detail[:i] // one line per server; the rest follows the display
	}
	return fmt.Sprintf("%s %-10s %-9s %5.1fs  %s", mark, key, e.Phase, e.Elapsed.Seconds(), printable.Line(detail))
}

func (t *TTY) size() (cols, lines int) {
	if t.Size != nil {
		cols, lines = t.Size()
	}
	if cols <= 0 {
		cols = defaultCols
	}
	if lines <= 0 {
		lines = defaultRows
	}
	return cols, lines
}

// draw puts every row on the screen; changed names the row that changed,
// for the scrolling fallback ("" = all of them).
func (t *TTY) draw(changed string) {
	cols, lines := t.size()
	width := cols - 1 // never the last column: some terminals wrap there
	var b strings.Builder
	if t.scroll || len(t.order) >= lines {
		t.scroll = true
		for _, k := range t.order {
			if changed == "" || k == changed {
				b.WriteString(printable.Truncate(t.rows[k], width) + "\n")
			}
		}
		_, _ = io.WriteString(t.W, b.String())
		return
	}
	switch {
	case t.drawn > 0 && width < t.width:
		b.WriteString("\x1b[H\x1b[2J") // narrower: old rows may have re-wrapped
	case t.drawn > 0:
		fmt.Fprintf(&b, "\x1b[%dA", t.drawn)
	}
	for _, k := range t.order {
		b.WriteString("\r\x1b[2K" + printable.Truncate(t.rows[k], width) + "\n")
	}
	b.WriteString("\x1b[J")
	_, _ = io.WriteString(t.W, b.String())
	t.drawn, t.width = len(t.order), width
}
