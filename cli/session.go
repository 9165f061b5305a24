package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/testbed-dev/testbed/project"
)

// load reads the spec named by -f (or the default one), validates it,
// keeps the servers named and picks the project name. Every problem is a
// usage error (exit 2).
func (a *app) load(ctx context.Context, servers []string) (*project.Spec, error) {
	s, err := project.Load(ctx, project.LoadOptions{
		File: a.g.file, Profiles: a.g.profiles, PublishAll: a.g.publishAll,
		Servers: servers, Project: a.g.project, AllowHostMounts: a.g.allowHostMounts,
	})
	if err != nil {
		return nil, err
	}
	a.red = s.Redactor()
	for _, w := range s.Warnings {
		fmt.Fprintf(a.io.Err, "testbed: warning: %s\n", w)
	}
	return s, nil
}

// options are the core's options from the global flags.
func (a *app) options() project.Options {
	return project.Options{
		Driver: a.g.driver, StateDir: a.g.stateDir, Logger: a.log, Notef: a.note,
		Version: Version, LogLevel: a.g.logLevel, Drivers: a.drivers,
	}
}

// open opens the core on the driver --driver names.
func (a *app) open(ctx context.Context, o project.Options) (*project.Core, error) {
	return project.Open(ctx, o)
}

// openProject finds the project a command acts on and opens the core on
// the driver it is up with.
func (a *app) openProject(ctx context.Context) (*project.Core, string, error) {
	name, err := a.currentProject(ctx)
	if err != nil {
		return nil, "", err
	}
	c, err := project.OpenFor(ctx, name, a.options())
	if err != nil {
		return nil, "", err
	}
	return c, name, nil
}

// currentProject is the project a command acts on: -p, TESTBED_PROJECT, or
// the one the spec (or the default testbed) would be brought up as.
func (a *app) currentProject(ctx context.Context) (string, error) {
	if a.g.project != "" {
		return a.g.project, project.CheckName(a.g.project)
	}
	s, err := a.load(ctx, nil)
	if err != nil {
		return "", err
	}
	return s.Project, nil
}

// note prints a remark on stderr unless --progress quiet.
func (a *app) note(format string, args ...any) {
	if a.g.progress != "quiet" {
		fmt.Fprintf(a.io.Err, "testbed: "+format+"\n", args...)
	}
}

// allowHostMountsFlag registers --allow-host-mounts on a command that
// loads the spec to run or print it (up, run, config, build).
func (a *app) allowHostMountsFlag(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&a.g.allowHostMounts, "allow-host-mounts", false,
		"allow bind mounts, files and build contexts in the engine socket and the host's system trees (/, /proc, /sys, /dev, /run, /var/run, ...), as the spec's allow_host_mounts: true does")
}
