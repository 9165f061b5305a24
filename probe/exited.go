package probe

import (
	"context"
	"errors"
	"fmt"
)

// Exited is ready when the server ran to completion with status 0 (one-shot
// setup jobs). A non-zero status is a permanent error. The target must be an
// ExitReporter.
type Exited struct{}

var _ Probe = Exited{}

// Check asks the target whether the process has ended.
func (Exited) Check(ctx context.Context, t Target) error {
	x, ok := t.(ExitReporter)
	if !ok {
		return unsupported(t, "report its exit", "ExitReporter")
	}
	done, code, err := x.Exited(ctx)
	switch {
	case err != nil:
		return fmt.Errorf("exit status: %w", err)
	case !done:
		return errors.New("still running: has not run to completion yet")
	case code != 0:
		return Permanent(fmt.Errorf("exited with status %d", code))
	}
	return nil
}

// String is "exited".
func (Exited) String() string { return "exited" }
