package cli

import (
	"fmt"

	"github.com/spf13/cobra"
)

func (a *app) buildCommand() *cobra.Command {
	var noCache, pull bool
	cmd := &cobra.Command{
		Use:   "build [SERVER...]",
		Short: "Build the images of the spec's servers (nothing that is already built)",
		Long: `build makes every image the servers need: the built-in server image (from
testbed's own static binary, no base image, no registry) and each Dockerfile
build, tagged with a hash of everything that goes into it, so an unchanged
spec builds nothing.`,
		Example: `  testbed build
  testbed -f testbed.yaml build app --no-cache`,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := a.load(cmd.Context(), args)
			if err != nil {
				return err
			}
			o := a.options()
			o.Driver, o.NoCache, o.Pull = "docker", noCache, pull
			c, err := a.open(cmd.Context(), o)
			if err != nil {
				return err
			}
			defer c.Close()
			images, err := c.Build(cmd.Context(), s, a.sink())
			if err != nil {
				return err
			}
			for _, im := range images {
				fmt.Fprintf(a.io.Out, "%s\t%s\n", im.Server, im.Image)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&noCache, "no-cache", false, "rebuild even when an image with the same content hash exists")
	cmd.Flags().BoolVar(&pull, "pull", false, "allow pulling base images that are not on the engine")
	a.allowHostMountsFlag(cmd)
	return cmd
}
