package cli

import (
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/testbed-dev/testbed/project"
)

// forwardCommand is the hidden command a kept docker project's `up` starts:
// the background forwarder of the project's ports, until its containers
// are gone or it is signalled.
func (a *app) forwardCommand() *cobra.Command {
	return &cobra.Command{
		Use:    "forward PROJECT",
		Short:  "Forward a kept project's host ports to its containers (started by up)",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			signal.Ignore(syscall.SIGHUP) // no terminal: a hang-up is not for it
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGTERM, os.Interrupt)
			defer stop()
			return project.ServeForwards(ctx, args[0], a.log, cmd.OutOrStdout())
		},
	}
}
