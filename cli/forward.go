package cli

import (
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/testbed-dev/testbed/project"
)

// forwardCommand is the hidden command a kept project's `up` starts (package
// forward/background) on drivers that forward: the background forwarder of
// the project's ports, until its servers are gone or it is signalled.
func (a *app) forwardCommand() *cobra.Command {
	return &cobra.Command{
		Use:    "forward PROJECT",
		Short:  "Forward a kept project's host ports to its servers (started by up)",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			signal.Ignore(syscall.SIGHUP) // no terminal: a hang-up is not for it
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, os.Interrupt)
			defer stop()
			return project.ServeForwards(ctx, a.options(), args[0], cmd.OutOrStdout())
		},
	}
}
