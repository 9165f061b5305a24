package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// SignalError is the cause of a run cancelled by SIGINT or SIGTERM; the
// process exits with 128 + the signal's number (130, 143).
type SignalError struct{ Signal syscall.Signal }

func (e *SignalError) Error() string {
	switch e.Signal {
	case syscall.SIGINT:
		return "interrupted (SIGINT, Ctrl-C)"
	case syscall.SIGTERM:
		return "terminated (SIGTERM)"
	}
	return fmt.Sprintf("stopped by signal %d", int(e.Signal))
}

// SignalContext returns a context cancelled, with a *SignalError cause, by
// the first SIGINT or SIGTERM. Later signals do not kill the process: the
// rollback under way must finish, so they only say so on w.
func SignalContext(parent context.Context, w io.Writer) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		first := true
		for {
			select {
			case s := <-sigs:
				if first {
					first = false
					cancel(&SignalError{Signal: s.(syscall.Signal)})
					continue
				}
				fmt.Fprintf(w, "testbed: still cleaning up after %v; waiting for the rollback to finish so nothing is left behind\n", s)
			case <-done:
				return
			}
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel(nil)
	}
}
