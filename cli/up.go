package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/testbed-dev/testbed/internal/printable"
	"github.com/testbed-dev/testbed/progress"
	"github.com/testbed-dev/testbed/project"
)

// upFlags are the flags of up and run.
type upFlags struct {
	timeout       time.Duration
	bindLocal     bool
	keepOnFailure bool
	noBuild       bool
	pull          bool
	publish       bool
	json          bool
	timings       bool
	reuse         bool
}

func (f *upFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.DurationVar(&f.timeout, "timeout", 0, "give up when the whole testbed is not ready within this (default: each server's own timeout, 60s)")
	fl.BoolVar(&f.bindLocal, "bind-local", false, "publish each port on the same host port (env TESTBED_BIND_LOCAL or TESTSERVER_BIND_LOCAL)")
	fl.BoolVar(&f.keepOnFailure, "keep-on-failure", false, "leave containers of a failed up in place for debugging")
	fl.BoolVar(&f.noBuild, "no-build", false, "never build images; fail when one is missing")
	fl.BoolVar(&f.pull, "pull", false, "allow pulling images that are not on the engine")
	fl.BoolVar(&f.publish, "publish", false, "have the Docker engine publish the ports (a proxy per port) instead of testbed forwarding them itself (env TESTBED_PUBLISH=1)")
	fl.BoolVar(&f.timings, "timings", false, "print a per-server waterfall (build, create, start, wait, ready) when done")
	fl.BoolVar(&f.reuse, "reuse", false, "servers already up with this spec are reset to their seeded state (uploads, mailboxes, ... gone) instead of left as they are; with run, lease a reusable testbed that stays up for the next run")
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
up is a diff against what the engine runs: servers whose content (the
resolved spec and every file that goes into their image) changed, or that
stopped or were taken down, are made again; the others stay; with nothing
changed it just prints the endpoints; with --reuse it also resets every
server to its seeded state (a built-in server restarts its kind on the same
ports through its control channel, in milliseconds; an image or build server
is restarted and awaited, unless its spec says reset: none), so the next tests
start from fresh state without new containers. A second up of a project while
one runs is refused (exit 2) and touches nothing.

With the local driver (--driver local, or auto when no Docker engine
answers) the built-in servers run on 127.0.0.1 in one background supervisor
process per project, which outlives up; 'testbed down' stops it. Servers that
need an image are refused before anything starts.`,
		Example: `  testbed up                      # the default testbed
  testbed up --json               # endpoints as JSON on stdout
  testbed -f testbed.yaml up web  # only web and what it depends on
  testbed up --bind-local         # host port = container port (80, 443, ...)
  testbed -p ci up --reuse        # fresh state on the servers of a warm project`,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := a.load(cmd.Context(), args)
			if err != nil {
				return err
			}
			r, c, err := a.up(cmd.Context(), s, f, true)
			if err != nil {
				return err
			}
			defer c.Close()
			return a.printEndpoints(r.Manifest, f.json)
		},
	}
	f.register(cmd)
	a.allowHostMountsFlag(cmd)
	cmd.Flags().BoolVar(&f.json, "json", false, "print the endpoints as JSON")
	return cmd
}

// up brings s up for `up`, kept after this command: containers on a
// Docker engine, or with the local driver a supervisor process.
func (a *app) up(ctx context.Context, s *project.Spec, f upFlags, keep bool) (*project.Running, *project.Core, error) {
	o := a.options()
	o.Pull, o.NoBuild, o.Publish = f.pull, f.noBuild, f.publish
	c, err := a.open(ctx, o)
	if err != nil {
		return nil, nil, err
	}
	start := time.Now()
	rec := &progress.Recorder{Next: a.sink()}
	uo := project.UpOptions{
		Keep: keep, BindLocal: bindLocal(f.bindLocal), Timeout: f.timeout, TimeoutName: "--timeout " + f.timeout.String(),
		Sink: rec, KeepOnFailure: f.keepOnFailure, Reuse: f.reuse,
	}
	var r *project.Running
	if f.reuse && !keep {
		// run --reuse: a leased reusable project, kept for the next run.
		r, err = c.UpReused(ctx, s, uo)
		if err == nil {
			s.Project = r.Plan.Project
		}
	} else {
		r, err = c.Up(ctx, s, uo)
	}
	if err != nil {
		a.failures(rec.Failures(), err)
		if f.keepOnFailure {
			a.kept(ctx, c, s.Project)
		}
		c.Close()
		return nil, nil, err
	}
	if f.timings {
		fmt.Fprint(a.io.Err, rec.Timings())
	}
	switch {
	case len(r.Reset) > 0:
		made := ""
		if len(r.Started) > 0 {
			made = "; made " + strings.Join(r.Started, ", ") + " anew"
		}
		a.note("project %s is up with this spec; reset %s to the seeded state%s (%.3fs)", s.Project, strings.Join(r.Reset, ", "), made, time.Since(start).Seconds())
	case len(r.Started) == 0:
		a.note("project %s is already up with this spec; nothing to do", s.Project)
	case len(r.Removed) > 0:
		a.note("project %s: recreated %s (changed or stopped), started %s (%.3fs)", s.Project, strings.Join(r.Removed, ", "), strings.Join(r.Started, ", "), time.Since(start).Seconds())
	case keep:
		a.note("project %s is up with the %s driver (%.3fs); it stays up until `testbed down`", s.Project, c.Driver(), time.Since(start).Seconds())
	}
	return r, c, nil
}

// failures says, after the display and before the error, why each server
// failed: with --verbose in full, in the engine's words (one line each);
// without it, where that detail is.
func (a *app) failures(failed []progress.Event, err error) {
	detailed := false
	for _, e := range failed {
		if e.Cause != "" && e.Cause != e.Detail {
			detailed = true
		}
	}
	if !detailed {
		return
	}
	if !a.g.verbose {
		a.note("each server's error in the engine's words: --verbose")
		return
	}
	for _, e := range failed {
		fmt.Fprintf(a.io.Err, "testbed: %s: %s\n", printable.Line(e.Server), printable.Line(e.Cause))
	}
}

// kept says what --keep-on-failure left of a failed up, and how to
// remove it.
func (a *app) kept(ctx context.Context, c *project.Core, name string) {
	res, err := c.Resources(context.WithoutCancel(ctx), name)
	if err != nil || len(res) == 0 {
		return
	}
	var what []string
	for _, r := range res {
		what = append(what, r.Kind+" "+printable.Line(r.Name))
	}
	fmt.Fprintf(a.io.Err, "testbed: --keep-on-failure kept %s for debugging (`testbed -p %s logs SERVER`, `ps`); remove it with `testbed -p %s down`\n",
		strings.Join(what, ", "), name, name)
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
