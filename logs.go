package testbed

import (
	"context"
	"fmt"
	"strings"

	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/engine/docker"
	"github.com/testbed-dev/testbed/engine/local"
	"github.com/testbed-dev/testbed/lifecycle"
	"github.com/testbed-dev/testbed/progress"
)

// tailLines is how many lines of each server's log a failed test shows.
const tailLines = 20

// logTails is the end of every server's log, for a failed test.
func logTails(ctx context.Context, eng lifecycle.Engine, project string, m *endpoints.Manifest) string {
	var b strings.Builder
	for _, name := range m.Names() {
		var tail string
		switch e := eng.(type) {
		case *local.Engine:
			tail, _ = e.Logs(project, name, tailLines)
		case *docker.Driver:
			c, err := e.Find(ctx, project, name)
			if err != nil {
				continue
			}
			if tail, err = e.Tail(ctx, c.ID, tailLines); err != nil {
				continue
			}
		}
		if strings.TrimSpace(tail) != "" {
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
		s.logf("testbed: %s %s: %s", e.Server, e.Phase, e.Detail)
	}
}
