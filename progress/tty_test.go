package progress

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hinshun/vt10x"
)

// screen returns the emulator's non-empty lines, right-trimmed.
func screen(vt vt10x.Terminal) []string {
	var out []string
	for _, l := range strings.Split(vt.String(), "\n") {
		if l = strings.TrimRight(l, " "); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// upEvents is what an up of the default testbed reports, with ready lines
// as long as echo's real one.
func upEvents(tty *TTY) {
	servers := []string{"http", "proxy", "socks", "ftp", "imap", "echo"}
	long := strings.Repeat("7/tcp=127.0.0.1:49153 ", 8)
	tty.Event(Event{Phase: PhaseNetwork, Detail: "network tb", Elapsed: time.Millisecond})
	for _, phase := range []string{PhaseCreate, PhaseStart, PhaseWait, PhaseReady} {
		for i, s := range servers {
			tty.Event(Event{Server: s, Phase: phase, Detail: fmt.Sprintf("%s step %d %s", phase, i, long), Elapsed: time.Duration(i) * time.Second})
		}
	}
}

func checkRows(t *testing.T, lines []string, cols int, want []string) {
	t.Helper()
	if len(lines) != len(want) {
		t.Fatalf("screen has %d lines, want %d:\n%s", len(lines), len(want), strings.Join(lines, "\n"))
	}
	for i, l := range lines {
		if n := utf8.RuneCountInString(l); n >= cols {
			t.Errorf("line %d is %d columns wide, want < %d: %q", i, n, cols, l)
		}
		if f := strings.Fields(l); len(f) < 3 || f[1] != want[i] || !strings.HasPrefix(l, "✔ ") {
			t.Errorf("line %d = %q, want a ✔ row for %s", i, l, want[i])
		}
	}
}

func TestTTYFitsTheWidth(t *testing.T) {
	want := []string{"-", "http", "proxy", "socks", "ftp", "imap", "echo"}
	for _, cols := range []int{80, 200} {
		t.Run(fmt.Sprint(cols), func(t *testing.T) {
			vt := vt10x.New(vt10x.WithSize(cols, 24))
			upEvents(&TTY{W: vt, Size: func() (int, int) { return cols, 24 }})
			checkRows(t, screen(vt), cols, want)
		})
	}
}

func TestTTYResize(t *testing.T) {
	cols := 200
	vt := vt10x.New(vt10x.WithSize(cols, 50))
	tty := &TTY{W: vt, Size: func() (int, int) { return cols, 50 }}
	tty.Event(Event{Phase: PhaseNetwork, Detail: "network tb"})
	tty.Event(Event{Server: "http", Phase: PhaseWait, Detail: strings.Repeat("x", 180)})
	cols = 80
	vt.Resize(80, 24)
	tty.Redraw()
	tty.Event(Event{Server: "http", Phase: PhaseReady, Detail: strings.Repeat("y", 180)})
	lines := screen(vt)
	checkRows(t, lines, 80, []string{"-", "http"})
	if strings.Contains(strings.Join(lines, ""), "x") {
		t.Errorf("a fragment of the old row is left:\n%s", strings.Join(lines, "\n"))
	}
}

func TestTTYEscapesAndOneLinePerServer(t *testing.T) {
	vt := vt10x.New(vt10x.WithSize(80, 24))
	var raw strings.Builder
	tty := &TTY{W: &tee{vt, &raw}}
	tty.Event(Event{Server: "socks", Phase: PhaseFailed, Detail: "banner \x05\x00 mismatch\nsecond line\nthird"})
	if strings.ContainsAny(raw.String(), "\x05\x00") {
		t.Errorf("raw control bytes reached the terminal: %q", raw.String())
	}
	lines := screen(vt)
	if len(lines) != 1 || !strings.Contains(lines[0], `banner \x05\x00 mismatch`) {
		t.Errorf("screen = %q, want one escaped line", lines)
	}
}

func TestTTYScrollsWhenTooManyRows(t *testing.T) {
	var raw strings.Builder
	tty := &TTY{W: &raw, Size: func() (int, int) { return 80, 4 }}
	for i := range 5 {
		tty.Event(Event{Server: fmt.Sprint("s", i), Phase: PhaseReady})
	}
	if strings.Contains(raw.String(), "\x1b[4A") {
		t.Errorf("moved the cursor up past the screen: %q", raw.String())
	}
}

type tee struct {
	a, b interface{ Write([]byte) (int, error) }
}

func (t *tee) Write(p []byte) (int, error) {
	t.b.Write(p)
	return t.a.Write(p)
}
