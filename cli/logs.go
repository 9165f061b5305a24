package cli

import (
	"github.com/spf13/cobra"
)

func (a *app) logsCommand() *cobra.Command {
	var follow bool
	cmd := &cobra.Command{
		Use:   "logs SERVER",
		Short: "Print a server's output (stdout to stdout, stderr to stderr)",
		Long: `logs prints a server's output: the container's, or with the local driver the
server's log file in the project's state directory (logs/SERVER.log).`,
		Example: `  testbed logs http
  testbed logs --follow ftp`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			project, err := a.currentProject(ctx)
			if err != nil {
				return err
			}
			drv, err := a.engineOf(ctx, project)
			if err != nil {
				return err
			}
			if drv == nil {
				return a.localLogs(ctx, project, args[0], follow)
			}
			defer drv.Close()
			c, err := drv.Find(ctx, project, args[0])
			if err != nil {
				return err
			}
			return drv.Logs(ctx, c.ID, follow, a.io.Out, a.io.Err)
		},
	}
	cmd.Flags().BoolVar(&follow, "follow", false, "keep printing new output (-f is the global --file)")
	return cmd
}
