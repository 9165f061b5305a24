package cli

import (
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/testbed-dev/testbed/project"
)

// superviseCommand is the hidden command `up` starts with the local driver:
// the project's supervisor, which runs the servers until signalled.
func (a *app) superviseCommand() *cobra.Command {
	var timeout time.Duration
	var dir string
	cmd := &cobra.Command{
		Use:    "supervise --dir DIR",
		Short:  "Run a project's built-in servers in this process until signalled (started by up)",
		Hidden: true,
		RunE: func(cmd *cobra.Command, args []string) (err error) {
			// A supervisor has no terminal; a hang-up is not for it.
			signal.Ignore(syscall.SIGHUP)
			return project.Supervise(cmd.Context(), dir, timeout, a.log, a.sink())
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", 0, "give up when the testbed is not ready within this")
	cmd.Flags().StringVar(&dir, "dir", "", "the project's state directory, holding the plan to run")
	return cmd
}
