package legacy

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/testbed-dev/testbed/spec"
)

// maxProblems bounds how many problems one load reports.
const maxProblems = 50

// problems collects the errors of a load in the order they are found.
type problems struct {
	errs    []error
	dropped int
}

// add records one problem placed at file:line.
func (p *problems) add(file string, line int, server, field, format string, args ...any) {
	if len(p.errs) >= maxProblems {
		p.dropped++
		return
	}
	p.errs = append(p.errs, &spec.Error{File: file, Line: line, Server: server, Field: field, Msg: fmt.Sprintf(format, args...)})
}

// addErr records an error that is already a *spec.Error (or wraps one).
func (p *problems) addErr(err error) {
	if len(p.errs) >= maxProblems {
		p.dropped++
		return
	}
	p.errs = append(p.errs, err)
}

func (p *problems) any() bool { return len(p.errs) > 0 }

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
