package cli

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/testbed-dev/testbed/internal/printable"
	"github.com/testbed-dev/testbed/project"
)

func (a *app) downCommand() *cobra.Command {
	var rmi bool
	cmd := &cobra.Command{
		Use:   "down [SERVER...]",
		Short: "Remove the project's containers, volumes and network",
		Long: `down removes every container, volume and network labelled with the project,
whatever run made them (it asks the engine, not the spec, so it also cleans up
after a crashed run), and the project's state directory. It removes the
project's kept marker first, so a down that is killed half-way leaves a
project that 'testbed reap' finishes. With SERVER names it removes only those
servers' containers and keeps the rest of the project up: env and ps no
longer list them, and the next up brings them back.

For a project up with the local driver, down stops its supervisor process
and returns once every port of the project refuses connections.`,
		Example: `  testbed down
  testbed -p mytests down --rmi   # also the images testbed built for it`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.down(cmd.Context(), args, rmi)
		},
	}
	cmd.Flags().BoolVar(&rmi, "rmi", false, "also remove the images testbed built for the project")
	return cmd
}

func (a *app) cleanCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "clean",
		Short:   "down --rmi: remove the project's containers, network and images",
		Example: "  testbed clean",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.down(cmd.Context(), nil, true)
		},
	}
}

func (a *app) down(ctx context.Context, servers []string, rmi bool) error {
	c, name, err := a.openProject(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	start := time.Now()
	if len(servers) == 0 && !rmi {
		exists, err := c.Exists(ctx, name)
		if err != nil {
			return err
		}
		if !exists {
			a.note("nothing by the name %s exists on the %s driver (no servers, network or state): nothing to remove", name, c.Driver())
			return nil
		}
	}
	var images []string
	err = c.Down(ctx, name, project.DownOptions{Servers: servers, Images: rmi, Removed: func(img string) { images = append(images, img) }})
	for _, img := range images {
		a.note("removed image %s", printable.Line(img))
	}
	if rmi && len(images) == 0 && err == nil {
		a.note("no image of project %s to remove (none built for it, or another project still uses them)", name)
	}
	if err != nil {
		return err
	}
	if len(servers) == 0 {
		a.note("project %s is down (%.3fs)", name, time.Since(start).Seconds())
	}
	return nil
}
