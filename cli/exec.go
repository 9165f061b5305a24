package cli

import (
	"github.com/spf13/cobra"
)

func (a *app) execCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "exec SERVER -- ARGV...",
		Short: "Run ARGV in a server (no shell) and exit with its status",
		Long: `exec runs ARGV inside the server's container exactly as given: no shell
parses it, so spaces and quotes reach the program unchanged. Its stdout and
stderr stay apart, and testbed exits with its status.

The built-in servers' image holds the testbed binary and nothing else (no
shell, no cat, no ls), so there the program is /testbed itself; images of
your own have whatever you put in them.`,
		Example: `  testbed exec http -- /testbed version        # a built-in server
  testbed exec app -- cat /etc/hostname          # an image of your own
  testbed exec app -- /bin/ls -l "/dir with spaces"`,
		RunE: func(cmd *cobra.Command, args []string) error {
			at := cmd.ArgsLenAtDash()
			if at != 1 || len(args) < 2 {
				return usagef("usage: testbed exec SERVER -- ARGV...")
			}
			c, name, err := a.openProject(cmd.Context())
			if err != nil {
				return err
			}
			defer c.Close()
			code, err := c.Exec(cmd.Context(), name, args[0], args[1:], a.io.Out, a.io.Err)
			if err != nil {
				return err
			}
			if code != 0 {
				return &exitError{code: code}
			}
			return nil
		},
	}
}
