package testbed

import (
	"fmt"
	"sort"
	"strings"

	"github.com/testbed-dev/testbed/progress"
)

// tailLines is how many lines of each server's log a failed test shows.
const tailLines = 20

// logTails formats the end of every server's log, for a failed test.
func logTails(tails map[string]string) string {
	names := make([]string, 0, len(tails))
	for n := range tails {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, name := range names {
		if tail := tails[name]; strings.TrimSpace(tail) != "" {
			fmt.Fprintf(&b, "--- %s ---\n%s", name, strings.TrimRight(tail, "\n")+"\n")
		}
	}
	return b.String()
}

// logSink passes what a test should hear about while starting (image
// builds, failures) to logf; the rest of up's progress is dropped.
type logSink struct {
	logf func(string, ...any)
}

// Event implements progress.Sink.
func (s *logSink) Event(e progress.Event) {
	switch e.Phase {
	case progress.PhaseBuild, progress.PhaseFailed:
		if e.Server == "" { // the project's own (the server binary)
			s.logf("testbed: %s: %s", e.Phase, e.Detail)
			return
		}
		s.logf("testbed: %s %s: %s", e.Server, e.Phase, e.Detail)
	}
}
