package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/testbed-dev/testbed/engine/local/supervisor"
	"github.com/testbed-dev/testbed/lifecycle"
)

func (a *app) downCommand() *cobra.Command {
	var rmi bool
	cmd := &cobra.Command{
		Use:   "down [SERVER...]",
		Short: "Remove the project's containers, volumes and network",
		Long: `down removes every container, volume and network labelled with the project,
whatever run made them (it asks the engine, not the spec, so it also cleans up
after a crashed run), and the project's state directory. With SERVER names it
removes only those servers' containers and keeps the project up.

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
	project, err := a.currentProject(ctx)
	if err != nil {
		return err
	}
	start := time.Now()
	drv, err := a.engineOf(ctx, project)
	if err != nil {
		return err
	}
	if drv == nil {
		if err := a.downLocal(ctx, project, servers); err != nil {
			return err
		}
	} else {
		defer drv.Close()
		if len(servers) > 0 {
			return drv.RemoveServers(ctx, project, servers)
		}
		if err := drv.Remove(ctx, lifecycle.RemoveOptions{Project: project, Images: rmi}); err != nil {
			return err
		}
	}
	dir, err := a.stateDir(project)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove state %s: %w", dir, err)
	}
	a.note("project %s is down (%.3fs)", project, time.Since(start).Seconds())
	return nil
}

// downLocal stops the project's supervisor and waits until its ports are
// closed. A project without one (never up, or already down) is fine.
func (a *app) downLocal(ctx context.Context, project string, servers []string) error {
	if len(servers) > 0 {
		return usagef("the local driver stops whole projects only; run `testbed down` without server names")
	}
	dir, err := a.stateDir(project)
	if err != nil {
		return err
	}
	err = supervisor.Stop(ctx, dir)
	if errors.Is(err, supervisor.ErrNoSupervisor) {
		return nil
	}
	return err
}

// currentProject is the project a command acts on: -p, TESTBED_PROJECT, or
// the one the spec (or the default testbed) would be brought up as.
func (a *app) currentProject(ctx context.Context) (string, error) {
	if a.g.project != "" {
		return a.projectName(nil)
	}
	l, err := a.load(ctx, nil)
	if err != nil {
		return "", err
	}
	return l.project, nil
}
