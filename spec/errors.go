package spec

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ErrInvalid is matched by every [*Error] with errors.Is: the spec is invalid
// (exit code 2 in the CLI).
var ErrInvalid = errors.New("invalid spec")

// Error is one problem in a spec, placed as precisely as the source allows.
// Its text reads like
//
//	testbed.yaml:12: server "web": field "ports[1]": port 70000 out of range 1-65535
//
// with the column after the line ("testbed.yaml:12:7: ") where it is known.
type Error struct {
	File   string // source file; "" when unknown
	Line   int    // 1-based line in File; 0 when unknown
	Column int    // 1-based column in Line; 0 when unknown
	Server string // server name; "" for the testbed as a whole
	Field  string // field path like "ports[1]" or "ready.http.port"; "" for the whole server
	Msg    string // what is wrong
}

func (e *Error) Error() string {
	var b strings.Builder
	switch {
	case e.File != "" && e.Line > 0 && e.Column > 0:
		fmt.Fprintf(&b, "%s:%d:%d: ", e.File, e.Line, e.Column)
	case e.File != "" && e.Line > 0:
		fmt.Fprintf(&b, "%s:%d: ", e.File, e.Line)
	case e.File != "":
		b.WriteString(e.File + ": ")
	case e.Line > 0:
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Server != "" {
		fmt.Fprintf(&b, "server %s: ", Quote(e.Server))
	}
	if e.Field != "" {
		fmt.Fprintf(&b, "field %s: ", Quote(e.Field))
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Is reports whether target is [ErrInvalid].
func (e *Error) Is(target error) bool { return target == ErrInvalid }

// maxErrors bounds how many problems one load or validation reports.
const maxErrors = 100

// Problems collects the problems of a load or a validation in the order they
// are found, up to a limit past which it only counts them. Loaders of other
// formats use it too. The zero value is ready to use.
type Problems struct {
	errs    []error
	dropped int
}

// Add records one problem.
func (l *Problems) Add(err error) {
	if len(l.errs) >= maxErrors {
		l.dropped++
		return
	}
	l.errs = append(l.errs, err)
}

// Len is how many problems were recorded, counted ones included.
func (l *Problems) Len() int { return len(l.errs) + l.dropped }

// Err joins the problems; nil when there are none.
func (l *Problems) Err() error {
	if l.Len() == 0 {
		return nil
	}
	errs := l.errs
	if l.dropped > 0 {
		errs = append(errs[:len(errs):len(errs)], &Error{Msg: fmt.Sprintf("and %d more problems", l.dropped)})
	}
	return errors.Join(errs...)
}

// maxQuoted is how many bytes of a value a message shows.
const maxQuoted = 64

// Quote shows a user-supplied value in a message: Go-quoted (so newlines,
// NUL and look-alikes stay visible) and cut short when long.
func Quote(s string) string {
	if len(s) <= maxQuoted {
		return fmt.Sprintf("%+q", s)
	}
	cut := maxQuoted
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%+q...(%d bytes)", s[:cut], len(s))
}
