package cli

import (
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/testbed-dev/testbed/engine/local/supervisor"
	"github.com/testbed-dev/testbed/progress"
)

// superviseCommand is the hidden command `up` starts with the local driver:
// the project's supervisor, which runs the servers until signalled.
func (a *app) superviseCommand() *cobra.Command {
	var timeout time.Duration
	var bind bool
	cmd := &cobra.Command{
		Use:    "supervise [SERVER...]",
		Short:  "Run a project's built-in servers in this process until signalled (started by up)",
		Hidden: true,
		RunE: func(cmd *cobra.Command, args []string) (err error) {
			// A supervisor has no terminal; a hang-up is not for it.
			signal.Ignore(syscall.SIGHUP)
			notify, err := supervisor.NotifyFromEnv()
			if err != nil {
				return err
			}
			defer func() { supervisor.ReportError(notify, err) }()
			l, err := a.load(cmd.Context(), args)
			if err != nil {
				return err
			}
			p, err := a.newPlan(l, false, bindLocal(bind))
			if err != nil {
				return err
			}
			dir, err := a.stateDir(l.project)
			if err != nil {
				return err
			}
			n := notify
			notify = nil // Serve reports from here on
			return supervisor.Serve(cmd.Context(), supervisor.Options{
				Plan: p, Dir: dir, Timeout: timeout, Notify: n, Logger: a.log,
				// Progress goes to the log and, live, to the `up` that waits.
				Sink: progress.Tee{a.sink(), &supervisor.NotifySink{W: n}},
			})
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", 0, "give up when the testbed is not ready within this")
	cmd.Flags().BoolVar(&bind, "bind-local", false, "listen on each server's own port numbers")
	return cmd
}
