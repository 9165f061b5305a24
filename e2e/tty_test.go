package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/creack/pty"
	"github.com/hinshun/vt10x"

	"github.com/testbed-dev/testbed/internal/testenv"
)

// terminal is `testbed up` on a pseudo-terminal, its output read by a
// terminal emulator, as a person at that terminal would see it. The
// endpoints table (stdout) goes to a file, as in `testbed up > endpoints`,
// so the screen holds the live display and the messages.
type terminal struct {
	t      *testing.T
	mu     sync.Mutex
	vt     vt10x.Terminal
	ptm    *os.File
	cmd    *exec.Cmd
	stdout bytes.Buffer
	done   chan struct{}
	cols   int
}

var defaultServers = []string{"echo", "ftp", "http", "imap", "proxy", "socks"}

func startTerminal(t *testing.T, cols, rows int, args ...string) *terminal {
	t.Helper()
	testenv.Engine(t)
	bin := testenv.Binary(t)
	proj, state := project(t), t.TempDir()
	base := []string{"-p", proj, "--state-dir", state}
	t.Cleanup(func() {
		out, err := exec.Command(bin, append(base, "--progress", "quiet", "down")...).CombinedOutput()
		if err != nil {
			t.Errorf("down: %v\n%s", err, out)
		}
	})
	term := &terminal{t: t, vt: vt10x.New(vt10x.WithSize(cols, rows)), done: make(chan struct{}), cols: cols}
	term.cmd = exec.Command(bin, append(base, args...)...)
	term.cmd.Dir = t.TempDir()
	term.cmd.Stdout = &term.stdout
	term.cmd.Env = append(os.Environ(), "TERM=xterm")
	ptm, err := pty.StartWithSize(term.cmd, &pty.Winsize{Cols: uint16(cols), Rows: uint16(rows)})
	if err != nil {
		t.Fatal(err)
	}
	term.ptm = ptm
	t.Cleanup(func() { ptm.Close() })
	go func() {
		defer close(term.done)
		buf := make([]byte, 4096)
		for {
			n, err := ptm.Read(buf)
			term.mu.Lock()
			term.vt.Write(buf[:n])
			term.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	return term
}

// wait waits for the command and for the last of its output.
func (term *terminal) wait() int {
	term.t.Helper()
	err := term.cmd.Wait()
	select {
	case <-term.done:
	case <-time.After(10 * time.Second):
		term.t.Error("the terminal's output did not end after the command")
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	if err != nil {
		term.t.Fatal(err)
	}
	return 0
}

// until waits for the screen to match re.
func (term *terminal) until(ctx context.Context, re *regexp.Regexp) {
	term.t.Helper()
	for ctx.Err() == nil {
		if re.MatchString(strings.Join(term.screen(), "\n")) {
			return
		}
		select {
		case <-term.done:
			term.t.Fatalf("up ended before the screen showed %s:\n%s", re, strings.Join(term.screen(), "\n"))
		case <-time.After(20 * time.Millisecond):
		}
	}
	term.t.Fatalf("the screen never showed %s:\n%s", re, strings.Join(term.screen(), "\n"))
}

func (term *terminal) resize(cols, rows int) {
	term.t.Helper()
	term.mu.Lock()
	term.vt.Resize(cols, rows)
	term.cols = cols
	term.mu.Unlock()
	if err := pty.Setsize(term.ptm, &pty.Winsize{Cols: uint16(cols), Rows: uint16(rows)}); err != nil {
		term.t.Fatal(err)
	}
}

// screen is the emulator's non-empty lines, right-trimmed.
func (term *terminal) screen() []string {
	term.mu.Lock()
	defer term.mu.Unlock()
	var out []string
	for _, l := range strings.Split(term.vt.String(), "\n") {
		if l = strings.TrimRight(l, " "); l != "" {
			out = append(out, l)
		}
	}
	return out
}

var rowRE = regexp.MustCompile(`^([✔✘…]) (\S+) +(\S+) +[0-9.]+s`)

// rows reads the live display at the top of the screen: every row within
// the width, one per name, nothing between them that is not a row. The
// messages that follow the display (from the first "testbed: " line on)
// are returned as they wrapped on the screen.
func (term *terminal) rows() (rows map[string]string, messages []string) {
	term.t.Helper()
	lines := term.screen()
	all := strings.Join(lines, "\n")
	rows = map[string]string{}
	for i, l := range lines {
		if strings.HasPrefix(l, "testbed: ") {
			return rows, lines[i:]
		}
		if n := utf8.RuneCountInString(l); n >= term.cols {
			term.t.Errorf("a row fills all %d columns (%d): %q\nscreen:\n%s", term.cols, n, l, all)
		}
		m := rowRE.FindStringSubmatch(l)
		if m == nil {
			term.t.Errorf("a line that is not a row (a fragment?): %q\nscreen:\n%s", l, all)
			continue
		}
		if _, dup := rows[m[2]]; dup {
			term.t.Errorf("%s has two rows:\n%s", m[2], all)
		}
		rows[m[2]] = m[1] + " " + m[3]
	}
	return rows, nil
}

func (term *terminal) wantAllReady() {
	term.t.Helper()
	got, _ := term.rows()
	want := append([]string{"-"}, defaultServers...)
	for _, s := range want {
		if got[s] != "✔ ready" && !(s == "-" && got[s] == "✔ network") {
			term.t.Errorf("row %s = %q, want a ✔ ready row; screen:\n%s", s, got[s], strings.Join(term.screen(), "\n"))
		}
	}
	if len(got) != len(want) {
		term.t.Errorf("rows %v, want one for each of %v", got, want)
	}
}

func TestTTYDisplay(t *testing.T) {
	for _, size := range []struct{ cols, rows int }{{80, 24}, {200, 50}} {
		t.Run(fmt.Sprintf("%dx%d", size.cols, size.rows), func(t *testing.T) {
			term := startTerminal(t, size.cols, size.rows, "up")
			if code := term.wait(); code != 0 {
				t.Fatalf("up exit %d; screen:\n%s", code, strings.Join(term.screen(), "\n"))
			}
			term.wantAllReady()
			// The README's captured screen: go test ./e2e -run 'TestTTYDisplay/80x24' -v
			t.Logf("final screen at %dx%d:\n%s", size.cols, size.rows, strings.Join(term.screen(), "\n"))
			if !strings.Contains(term.stdout.String(), "http.testbed.test") {
				t.Errorf("stdout has no endpoints table:\n%s", term.stdout.String())
			}
		})
	}
}

func TestTTYDisplayResized(t *testing.T) {
	term := startTerminal(t, 200, 50, "up")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	term.until(ctx, regexp.MustCompile(`(?m)^… \S+ +(creating|starting|waiting)`))
	term.resize(80, 24)
	if code := term.wait(); code != 0 {
		t.Fatalf("up exit %d; screen:\n%s", code, strings.Join(term.screen(), "\n"))
	}
	term.wantAllReady()
}

func TestTTYInterrupted(t *testing.T) {
	for _, verbose := range []bool{false, true} {
		t.Run(map[bool]string{false: "short", true: "verbose"}[verbose], func(t *testing.T) {
			args, lines := []string{"up"}, 24
			if verbose {
				// Room for one wrapped engine error per server.
				args, lines = []string{"--verbose", "up"}, 60
			}
			term := startTerminal(t, 80, lines, args...)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			term.until(ctx, regexp.MustCompile(`(?m)^… \S+ +(starting|waiting)`))
			if _, err := io.WriteString(term.ptm, "\x03"); err != nil { // Ctrl-C, through the line discipline
				t.Fatal(err)
			}
			if code := term.wait(); code != 130 {
				t.Errorf("up after Ctrl-C: exit %d, want 130", code)
			}
			screen := strings.Join(term.screen(), "\n")
			got, messages := term.rows()
			if len(got) < 2 {
				t.Errorf("rows %v: want the network and the servers that started; screen:\n%s", got, screen)
			}
			text := strings.Join(messages, "\n")
			flat := strings.Join(messages, "") // wrapped lines joined again
			if !strings.Contains(flat, "stopped, interrupted (SIGINT, Ctrl-C)") || strings.Contains(flat, "interrupted by interrupt") {
				t.Errorf("the message does not say, in testbed's words, that up was interrupted:\n%s", screen)
			}
			if !verbose {
				// One line saying where the detail is, one message (wrapped
				// at most once); no engine API URLs.
				if len(messages) == 0 || len(messages) > 3 {
					t.Errorf("after the display, %d lines of messages, want 1 to 3:\n%s", len(messages), text)
				}
				if strings.Contains(screen, "http://") || strings.Contains(screen, "/v1.") {
					t.Errorf("the screen shows raw engine API URLs:\n%s", screen)
				}
				anyFailed := false
				for _, r := range got {
					anyFailed = anyFailed || r == "✘ failed"
				}
				if anyFailed && !strings.Contains(flat, "--verbose") {
					t.Errorf("the messages do not say that --verbose has the engine's detail:\n%s", text)
				}
			} else {
				// The engine's words: one message per server that failed.
				failed := 0
				for name, r := range got {
					if r == "✘ failed" {
						failed++
						if !regexp.MustCompile(`(?m)^testbed: ` + name + `: server ` + name + `: `).MatchString(text) {
							t.Errorf("--verbose: no line with %s's error:\n%s", name, text)
						}
					}
				}
				if failed == 0 {
					t.Errorf("--verbose: no server row failed; screen:\n%s", screen)
				}
			}
			if left := testenv.Leftovers(t, testenv.Engine(t), filepath.Base(term.cmd.Args[2])); len(left) > 0 {
				t.Errorf("after Ctrl-C, left on the engine: %v", left)
			}
		})
	}
}
