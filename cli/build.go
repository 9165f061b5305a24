package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/testbed-dev/testbed/engine/docker"
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
			l, err := a.load(cmd.Context(), args)
			if err != nil {
				return err
			}
			p, err := a.newPlan(l, true, false)
			if err != nil {
				return err
			}
			drv, err := a.dockerDriver(cmd.Context(), docker.Options{NoCache: noCache, Pull: pull})
			if err != nil {
				return err
			}
			defer drv.Close()
			if err := drv.EnsureImages(cmd.Context(), p, a.sink()); err != nil {
				return err
			}
			for _, st := range p.Steps() {
				fmt.Fprintf(a.io.Out, "%s\t%s\n", st.Server.Name, st.Image)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&noCache, "no-cache", false, "rebuild even when an image with the same content hash exists")
	cmd.Flags().BoolVar(&pull, "pull", false, "allow pulling base images that are not on the engine")
	return cmd
}
