package cli

import (
	"context"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/engine/docker"
	"github.com/testbed-dev/testbed/engine/local/supervisor"
	"github.com/testbed-dev/testbed/internal/bringup"
	"github.com/testbed-dev/testbed/progress"
)

// upFlags are the flags of up and run.
type upFlags struct {
	timeout       time.Duration
	bindLocal     bool
	keepOnFailure bool
	noBuild       bool
	pull          bool
	json          bool
	timings       bool
}

func (f *upFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.DurationVar(&f.timeout, "timeout", 0, "give up when the whole testbed is not ready within this (default: each server's own timeout, 60s)")
	fl.BoolVar(&f.bindLocal, "bind-local", false, "publish each port on the same host port (env TESTBED_BIND_LOCAL or TESTSERVER_BIND_LOCAL)")
	fl.BoolVar(&f.keepOnFailure, "keep-on-failure", false, "leave containers of a failed up in place for debugging")
	fl.BoolVar(&f.noBuild, "no-build", false, "never build images; fail when one is missing")
	fl.BoolVar(&f.pull, "pull", false, "allow pulling images that are not on the engine")
	fl.BoolVar(&f.timings, "timings", false, "print a per-server waterfall (build, create, start, wait, ready) when done")
}

func (a *app) upCommand() *cobra.Command {
	var f upFlags
	cmd := &cobra.Command{
		Use:   "up [SERVER...]",
		Short: "Build what is missing, start the servers, wait until each answers, print the endpoints",
		Long: `up builds missing images, creates the project's network, starts the servers
(independent ones in parallel, each after its dependencies are ready), waits
until every server answers its readiness probe, then prints the endpoints and
writes them to <state-dir>/<project>/endpoints.json.

up is all-or-nothing: if any server fails (build, start, readiness, Ctrl-C),
everything this run created is removed and the error names the server, the
phase and the last lines of its log. Running up again for a project that is
already up with the same spec just prints its endpoints; with another spec it
is refused.

With the local driver (--driver local, or auto when no Docker engine
answers) the built-in servers run on 127.0.0.1 in one background supervisor
process per project, which outlives up; 'testbed down' stops it. Servers that
need an image are refused before anything starts.`,
		Example: `  testbed up                      # the default testbed
  testbed up --json               # endpoints as JSON on stdout
  testbed -f testbed.yaml up web  # only web and what it depends on
  testbed up --bind-local         # host port = container port (80, 443, ...)`,
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := a.load(cmd.Context(), args)
			if err != nil {
				return err
			}
			m, err := a.up(cmd.Context(), l, f)
			if err != nil {
				return err
			}
			return a.printEndpoints(m, f.json)
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVar(&f.json, "json", false, "print the endpoints as JSON")
	return cmd
}

// up brings l up for `up` and records it in the state directory for env,
// ps and down: containers on a Docker engine, or with the local driver a
// supervisor process that holds the servers after this command returns.
func (a *app) up(ctx context.Context, l *loaded, f upFlags) (*endpoints.Manifest, error) {
	drv, err := a.engineFor(ctx, docker.Options{Pull: f.pull, NoBuild: f.noBuild})
	if err != nil {
		return nil, err
	}
	if drv == nil {
		return a.upLocal(ctx, l, f)
	}
	defer drv.Close()
	return a.upDocker(ctx, drv, l, f, true)
}

// upDocker brings l up on the engine and, when keep is set, records it in
// the state directory.
func (a *app) upDocker(ctx context.Context, drv *docker.Driver, l *loaded, f upFlags, keep bool) (m *endpoints.Manifest, err error) {
	p, err := a.newPlan(l, true, bindLocal(f.bindLocal))
	if err != nil {
		return nil, err
	}
	dir, err := a.stateDir(l.project)
	if err != nil {
		return nil, err
	}
	if rec, err := supervisor.ReadRecord(dir); err == nil && rec.Alive() {
		return nil, usagef("project %s is up with the local driver (supervisor pid %d); run `testbed -p %s down` first, or pick another --project", l.project, rec.PID, l.project)
	}
	if existing, err := a.existing(ctx, drv, p, dir); existing != nil || err != nil {
		return existing, err
	}
	defer removeNewDirOnError(dir)(&err)
	m, err = a.bringUp(ctx, drv, p, dir, f)
	if err != nil {
		return nil, err
	}
	if keep {
		if err := bringup.Record(ctx, drv, p, dir, m); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// sink is the progress output chosen by --progress.
func (a *app) sink() progress.Sink {
	mode := a.g.progress
	if mode == "auto" {
		mode = "plain"
		if isTerminal(a.io.Err) {
			mode = "tty"
		}
	}
	switch mode {
	case "tty":
		return newTTY(a.io.Err)
	case "json":
		return &progress.JSON{W: a.io.Err}
	case "quiet":
		return progress.Discard{}
	}
	return &progress.Plain{W: a.io.Err}
}

func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
