package cli

import (
	"net"
	"os"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/testbed-dev/testbed/servers/control"
)

// controlCommand is the hidden command that resets the built-in server of
// the container it runs in, through its control channel on loopback: how
// testbed resets a server whose control port it cannot reach from the host
// (a remote engine), by exec.
func (a *app) controlCommand() *cobra.Command {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(control.Port))
	cmd := &cobra.Command{
		Use:    "control-reset",
		Short:  "Reset the built-in server beside this process to its seeded state (run by exec in its container)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			token := os.Getenv(control.EnvToken)
			if token == "" {
				return usagef("no control token in $%s", control.EnvToken)
			}
			return control.Reset(cmd.Context(), nil, addr, token)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", addr, "`ADDR` of the control channel")
	return cmd
}
