package compose

import (
	"errors"
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

// maxProblems bounds how many problems one load reports.
const maxProblems = 50

// problems collects errors and warnings while mapping a project.
type problems struct {
	errs     []error
	dropped  int
	warnings []Warning
}

func (p *problems) add(e *spec.Error) {
	if len(p.errs) >= maxProblems {
		p.dropped++
		return
	}
	p.errs = append(p.errs, e)
}

func (p *problems) warn(w Warning) { p.warnings = append(p.warnings, w) }

// err joins the problems; nil when there are none.
func (p *problems) err() error {
	if len(p.errs) == 0 {
		return nil
	}
	errs := p.errs
	if p.dropped > 0 {
		errs = append(errs[:len(errs):len(errs)], &spec.Error{Msg: fmt.Sprintf("and %d more problems", p.dropped)})
	}
	return errors.Join(errs...)
}

// maxQuoted is how many bytes of a value a message shows.
const maxQuoted = 64

// quote shows a user-supplied value in a message: Go-quoted, so control
// characters stay visible, and cut short when long.
func quote(s string) string {
	if len(s) <= maxQuoted {
		return fmt.Sprintf("%+q", s)
	}
	cut := maxQuoted
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%+q...(%d bytes)", s[:cut], len(s))
}
