package cli

import (
	"fmt"

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
			project, err := a.currentProject(cmd.Context())
			if err != nil {
				return err
			}
			drv, err := a.engineOf(cmd.Context(), project)
			if err != nil {
				return err
			}
			if drv == nil {
				return fmt.Errorf("exec is not supported by the local driver: its servers run inside the project's supervisor process, not in containers (bring the project up with --driver docker to exec in its servers)")
			}
			defer drv.Close()
			c, err := drv.Find(cmd.Context(), project, args[0])
			if err != nil {
				return err
			}
			code, err := drv.Exec(cmd.Context(), c.ID, args[1:], a.io.Out, a.io.Err)
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
