package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/engine/local"
	"github.com/testbed-dev/testbed/engine/local/supervisor"
	"github.com/testbed-dev/testbed/internal/bringup"
	"github.com/testbed-dev/testbed/lifecycle"
	"github.com/testbed-dev/testbed/plan"
	"github.com/testbed-dev/testbed/progress"
)

// upLocal is `up` with the local driver: it starts the project's
// supervisor, which outlives this command, and returns its endpoints.
func (a *app) upLocal(ctx context.Context, l *loaded, f upFlags) (m *endpoints.Manifest, err error) {
	p, err := a.newPlan(l, false, bindLocal(f.bindLocal))
	if err != nil {
		return nil, err
	}
	if err := local.Check(p); err != nil {
		return nil, &usageError{err}
	}
	dir, err := a.stateDir(l.project)
	if err != nil {
		return nil, err
	}
	if existing, err := a.existingLocal(ctx, p, dir); existing != nil || err != nil {
		return existing, err
	}
	defer removeNewDirOnError(dir)(&err)
	bin, err := supervisor.Executable(ctx, func(format string, args ...any) { a.note(format, args...) })
	if err != nil {
		return nil, err
	}
	args, err := a.superviseArgs(l, f)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	rec := &progress.Recorder{Next: a.sink()}
	m, err = supervisor.Spawn(ctx, supervisor.SpawnOptions{Binary: bin, Args: args, Dir: dir, Timeout: waitBound(p, f.timeout), Sink: rec})
	if err != nil {
		return nil, fmt.Errorf("project %s: %w", l.project, err)
	}
	if f.timings {
		fmt.Fprint(a.io.Err, rec.Timings())
	}
	a.note("project %s is up with the local driver (%.3fs); its servers run in a supervisor process until `testbed down`", l.project, time.Since(start).Seconds())
	return m, nil
}

// superviseArgs are the arguments that make the testbed command run the
// same project as this invocation in a supervisor.
func (a *app) superviseArgs(l *loaded, f upFlags) ([]string, error) {
	c := supervisor.Command{
		Project:    l.project,
		File:       a.g.file,
		StateDir:   a.g.stateDir,
		LogLevel:   a.g.logLevel,
		Profiles:   a.g.profiles,
		PublishAll: a.g.publishAll,
		Timeout:    f.timeout,
		BindLocal:  bindLocal(f.bindLocal),
	}
	for _, s := range l.tb.Servers {
		c.Servers = append(c.Servers, s.Name)
	}
	return c.Args()
}

// waitBound is how long up waits for the supervisor's report: --timeout, or
// every level's longest server timeout, plus a margin.
func waitBound(p *plan.Plan, timeout time.Duration) time.Duration {
	const margin = 15 * time.Second
	if timeout > 0 {
		return timeout + margin
	}
	var total time.Duration
	for _, level := range p.Levels {
		var longest time.Duration
		for _, st := range level {
			longest = max(longest, st.Timeout)
		}
		total += longest
	}
	return total + margin
}

// existingLocal handles an up of a project whose state directory is in use:
// a live supervisor with the same spec is a no-op, with another spec a
// refusal; a dead one's state is cleared.
func (a *app) existingLocal(ctx context.Context, p *plan.Plan, dir string) (*endpoints.Manifest, error) {
	rec, err := supervisor.ReadRecord(dir)
	if errors.Is(err, supervisor.ErrNoSupervisor) {
		if m, err := endpoints.Read(dir); err == nil && m.Driver != "local" {
			return nil, usagef("project %s is up with the %s driver; run `testbed -p %s down` first, or pick another --project", p.Project, m.Driver, p.Project)
		}
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !rec.Alive() {
		a.note("removing the state a stopped supervisor of project %s left (pid %d)", p.Project, rec.PID)
		return nil, os.RemoveAll(dir)
	}
	if rec.SpecHash != p.SpecHash {
		return nil, errOtherSpec(p.Project)
	}
	m, err := endpoints.Read(dir)
	if err != nil {
		return nil, fmt.Errorf("project %s is being brought up by supervisor pid %d: %w", p.Project, rec.PID, err)
	}
	a.note("project %s is already up with this spec (supervisor pid %d); nothing to do", p.Project, rec.PID)
	return m, nil
}

// runLocal brings l up in this process for `run`; stop takes it down.
func (a *app) runLocal(ctx context.Context, l *loaded, f upFlags) (m *endpoints.Manifest, stop func() error, err error) {
	p, err := a.newPlan(l, false, bindLocal(f.bindLocal))
	if err != nil {
		return nil, nil, err
	}
	if err := local.Check(p); err != nil {
		return nil, nil, &usageError{err}
	}
	dir, err := a.stateDir(l.project)
	if err != nil {
		return nil, nil, err
	}
	if rec, err := supervisor.ReadRecord(dir); err == nil && rec.Alive() {
		return nil, nil, usagef("project %s is up (supervisor pid %d); pick another --project, or run `testbed -p %s down` first", p.Project, rec.PID, p.Project)
	}
	if _, err := endpoints.Read(dir); err == nil {
		return nil, nil, usagef("project %s is up; pick another --project, or run `testbed -p %s down` first", p.Project, p.Project)
	}
	eng := local.New(local.Options{Logger: a.log})
	stop = func() error {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), supervisor.RemoveTimeout)
		defer cancel()
		err := eng.Remove(rctx, lifecycle.RemoveOptions{Project: p.Project})
		return errors.Join(err, os.RemoveAll(dir))
	}
	m, err = a.bringUp(ctx, eng, p, dir, f)
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return m, stop, nil
}

// bringUp makes the project CA in dir and brings p up on eng.
func (a *app) bringUp(ctx context.Context, eng lifecycle.Engine, p *plan.Plan, dir string, f upFlags) (*endpoints.Manifest, error) {
	rec := &progress.Recorder{Next: a.sink()}
	m, _, err := bringup.Up(ctx, eng, p, dir, bringup.Options{
		Timeout:       f.timeout,
		TimeoutName:   "--timeout " + f.timeout.String(),
		Sink:          rec,
		KeepOnFailure: f.keepOnFailure,
	})
	if err != nil {
		return nil, err
	}
	if f.timings {
		fmt.Fprint(a.io.Err, rec.Timings())
	}
	return m, nil
}
