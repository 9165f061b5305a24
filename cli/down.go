package cli

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/testbed-dev/testbed/internal/printable"
	"github.com/testbed-dev/testbed/project"
)

func (a *app) downCommand() *cobra.Command {
	var rmi, reused, allReused bool
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
and returns once every port of the project refuses connections.

With --reused, down takes down the spec's reusable testbeds (the
reuse-<spec hash>-<n> projects that run --reuse and the library's WithReuse
leave up for the next run) that no run holds at the moment; --all-reused
takes down those of every spec.`,
		Example: `  testbed down
  testbed -p mytests down --rmi   # also the images testbed built for it
  testbed down --reused           # the spec's warm testbeds nobody uses now
  testbed down --all-reused       # every warm testbed nobody uses now`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if reused || allReused {
				if len(args) > 0 {
					return usagef("down --reused and --all-reused take no SERVER names")
				}
				return a.downReused(cmd.Context(), allReused, rmi)
			}
			return a.down(cmd.Context(), args, rmi)
		},
	}
	cmd.Flags().BoolVar(&rmi, "rmi", false, "also remove the images testbed built for the project")
	cmd.Flags().BoolVar(&reused, "reused", false, "take down the spec's reusable testbeds (reuse-<spec hash>-*) that no run holds now")
	cmd.Flags().BoolVar(&allReused, "all-reused", false, "take down every reusable testbed (reuse-*) that no run holds now")
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

// downReused is down --reused (the spec's) and --all-reused.
func (a *app) downReused(ctx context.Context, all, rmi bool) error {
	c, err := a.open(ctx, a.options())
	if err != nil {
		return err
	}
	defer c.Close()
	key := ""
	if !all {
		s, err := a.load(ctx, nil)
		if err != nil {
			return err
		}
		if key, err = c.ReuseKey(s, bindLocal(false)); err != nil {
			return err
		}
		key += "-"
	}
	start := time.Now()
	down, inUse, err := c.DownReused(ctx, key, project.DownOptions{Images: rmi})
	for _, name := range inUse {
		a.note("reusable project %s is in use by a run; left up", name)
	}
	if err != nil {
		return err
	}
	if len(down) == 0 {
		a.note("no reusable project to take down on the %s driver", c.Driver())
		return nil
	}
	a.note("took down %d reusable projects: %s (%.3fs)", len(down), strings.Join(down, ", "), time.Since(start).Seconds())
	return nil
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
