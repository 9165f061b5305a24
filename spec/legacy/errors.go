package legacy

import (
	"fmt"

	"github.com/testbed-dev/testbed/spec"
)

// problems collects the errors of a load in the order they are found.
type problems struct {
	spec.Problems
}

// add records one problem placed at file:line.
func (p *problems) add(file string, line int, server, field, format string, args ...any) {
	p.Add(&spec.Error{File: file, Line: line, Server: server, Field: field, Msg: fmt.Sprintf(format, args...)})
}

// quote shows a user-supplied value in a message.
func quote(s string) string { return spec.Quote(s) }
