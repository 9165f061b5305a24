package compose

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/testbed-dev/testbed/spec"
)

// Warning is something a compose file asks for that testbed does
// differently or ignores, placed like a [spec.Error].
type Warning struct {
	File   string // compose file; "" when unknown
	Line   int    // 1-based line in File; 0 when unknown
	Server string // service (server) name; "" for the file as a whole
	Field  string // compose key like "ports" or "container_name"
	Msg    string
}

func (w Warning) String() string {
	var b strings.Builder
	switch {
	case w.File != "" && w.Line > 0:
		fmt.Fprintf(&b, "%s:%d: ", w.File, w.Line)
	case w.File != "":
		b.WriteString(w.File + ": ")
	}
	if w.Server != "" {
		fmt.Fprintf(&b, "server %s: ", quote(w.Server))
	}
	if w.Field != "" {
		fmt.Fprintf(&b, "%s: ", w.Field)
	}
	b.WriteString(w.Msg)
	return b.String()
}

// problems collects errors and warnings while mapping a project.
type problems struct {
	spec.Problems
	warnings []Warning
}

// quote shows a user-supplied value in a message.
func quote(s string) string { return spec.Quote(s) }

// maxForeignMsg bounds how much of a compose-go message a problem shows.
const maxForeignMsg = 1024

// foreignMsg makes a compose-go message safe to print: compose-go quotes
// values from the file whole and raw, so what spec's text rule refuses is
// escaped with [spec.EscapeText] (a value cannot fake a line or move a
// terminal's cursor) and a long message is cut short.
func foreignMsg(s string) string {
	out := spec.EscapeText(s)
	if len(out) <= maxForeignMsg {
		return out
	}
	cut := maxForeignMsg
	for cut > 0 && !utf8.RuneStart(out[cut]) {
		cut--
	}
	return fmt.Sprintf("%s...(%d bytes)", out[:cut], len(out))
}
