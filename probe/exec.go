package probe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
)

// Exec is ready when Command, run in the server (no shell), exits 0. The
// target must be an Execer.
type Exec struct {
	Command []string // argv
}

var _ Probe = (*Exec)(nil)

// Check runs Command once. A non-zero exit is an error naming the code and
// the output's last line.
func (p *Exec) Check(ctx context.Context, t Target) error {
	if len(p.Command) == 0 {
		return Permanent(errors.New("exec probe has no command"))
	}
	x, ok := t.(Execer)
	if !ok {
		return unsupported(t, "run commands", "Execer")
	}
	code, out, err := x.Exec(ctx, p.Command)
	if err != nil {
		return fmt.Errorf("exec %s: %w", p.Command[0], err)
	}
	if code == 0 {
		return nil
	}
	if last := lastLine(out); last != "" {
		return fmt.Errorf("exit code %d: %s", code, last)
	}
	return fmt.Errorf("exit code %d, no output", code)
}

// String is `exec ["pg_isready" "-U" "postgres"]`: the argv exactly as it
// runs, each argument quoted, since no shell splits or expands it.
func (p *Exec) String() string { return fmt.Sprintf("exec %q", p.Command) }

// lineLimit is how much of an output line an error quotes.
const lineLimit = 200

// lastLine is the last non-blank line of out, quoted when long or odd.
func lastLine(out []byte) string {
	out = bytes.TrimRight(out, " \t\r\n")
	if i := bytes.LastIndexByte(out, '\n'); i >= 0 {
		out = out[i+1:]
	}
	out = bytes.TrimSpace(out)
	if len(out) == 0 {
		return ""
	}
	if len(out) > lineLimit || !strconv.CanBackquote(string(out)) {
		return quote(out, lineLimit)
	}
	return string(out)
}
