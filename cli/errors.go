package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/testbed-dev/testbed/project"
	"github.com/testbed-dev/testbed/spec"
)

// Exit codes.
const (
	ExitOK      = 0
	ExitFailure = 1   // runtime failure: engine error, readiness timeout
	ExitUsage   = 2   // bad flags, arguments or spec
	ExitRun     = 125 // `run`: testbed itself failed
	ExitNoExec  = 126 // `run`: the command is not executable
	ExitNoCmd   = 127 // `run`: the command is not found
	ExitSIGINT  = 130
	ExitSIGTERM = 143
)

// usageError is a mistake in the command line or the spec: exit 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

func usagef(format string, a ...any) error { return &usageError{fmt.Errorf(format, a...)} }

// exitError carries a status to exit with (run, exec).
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// exitCode maps an error to the process's exit status.
func exitCode(err error) int {
	var ee *exitError
	var ue *usageError
	var se *SignalError
	var pe *project.UsageError
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &se):
		return 128 + int(se.Signal)
	case errors.As(err, &ue), errors.As(err, &pe), errors.Is(err, spec.ErrInvalid):
		return ExitUsage
	case errors.Is(err, context.Canceled):
		return ExitSIGINT
	}
	return ExitFailure
}
