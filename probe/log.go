package probe

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Log is ready when the server's output matches Pattern. FromSpec compiles
// the spec's pattern in multi-line mode, so ^ and $ match at line ends. The
// target must be a LogReader.
type Log struct {
	Pattern *regexp.Regexp
}

var _ Probe = (*Log)(nil)

// Check reads the output so far and matches it.
func (p *Log) Check(ctx context.Context, t Target) error {
	if p.Pattern == nil {
		return Permanent(errors.New("log probe has no pattern"))
	}
	r, ok := t.(LogReader)
	if !ok {
		return unsupported(t, "show its output", "LogReader")
	}
	out, err := r.Logs(ctx)
	if err != nil {
		return fmt.Errorf("logs: %w", err)
	}
	if p.Pattern.Match(out) {
		return nil
	}
	if last := lastLine(out); last != "" {
		return fmt.Errorf("no match in %d bytes of output; last line: %s", len(out), last)
	}
	return errors.New("no output yet")
}

// String is "log ^ready".
func (p *Log) String() string {
	if p.Pattern == nil {
		return "log"
	}
	return "log " + strings.TrimPrefix(p.Pattern.String(), multiLine)
}

// multiLine is the flag FromSpec puts before a log pattern.
const multiLine = "(?m)"
