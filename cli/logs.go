package cli

import (
	"github.com/spf13/cobra"

	"github.com/testbed-dev/testbed/engine/docker"
)

func (a *app) logsCommand() *cobra.Command {
	var follow bool
	cmd := &cobra.Command{
		Use:   "logs SERVER",
		Short: "Print a server's output (stdout to stdout, stderr to stderr)",
		Example: `  testbed logs http
  testbed logs -f ftp`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			project, err := a.currentProject(cmd.Context())
			if err != nil {
				return err
			}
			drv, err := a.dockerDriver(cmd.Context(), docker.Options{})
			if err != nil {
				return err
			}
			defer drv.Close()
			c, err := drv.Find(cmd.Context(), project, args[0])
			if err != nil {
				return err
			}
			return drv.Logs(cmd.Context(), c.ID, follow, a.io.Out, a.io.Err)
		},
	}
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing new output")
	return cmd
}
