package supervisor

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/engine"
	"github.com/testbed-dev/testbed/engine/local"
	"github.com/testbed-dev/testbed/plan"
)

// PlanFile, in a project's state directory, is the plan a supervisor runs,
// as JSON (plan.Encode): the supervisor receives the plan as a value and
// plans nothing again.
const PlanFile = "plan.json"

// FollowInterval is how often `logs --follow` looks for new output of a
// server held by a supervisor.
const FollowInterval = 100 * time.Millisecond

// DriverOptions configure the local driver.
type DriverOptions struct {
	// StateDir returns a project's state directory; Base holds them all.
	StateDir func(project string) (string, error)
	Base     string
	Logger   *slog.Logger
	// LogLevel is the supervisor's --log-level ("" = its default).
	LogLevel string
	// Notef tells the user something (where the supervisor binary comes
	// from); nil is quiet.
	Notef func(format string, args ...any)
}

// Driver is the local driver as engine.Driver: built-in servers on
// 127.0.0.1 in this process (Up without Keep: the library, `run`), or in a
// supervisor process per project that outlives this one (Up with Keep:
// `testbed up`, a kept library run).
type Driver struct {
	o   DriverOptions
	eng *local.Engine

	mu   sync.Mutex
	here map[string]*endpoints.Manifest // projects running in this process
}

var _ engine.Driver = (*Driver)(nil)

// NewDriver returns the local driver.
func NewDriver(o DriverOptions) *Driver {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Notef == nil {
		o.Notef = func(string, ...any) {}
	}
	return &Driver{o: o, eng: local.New(local.Options{Logger: o.Logger}), here: map[string]*endpoints.Manifest{}}
}

// Name implements engine.Driver.
func (d *Driver) Name() string { return local.Name }

// Close implements engine.Driver. Servers of this process stop with Remove.
func (d *Driver) Close() error { return nil }

// Up implements engine.Driver.
func (d *Driver) Up(ctx context.Context, p *plan.Plan, o engine.UpOptions) (*endpoints.Manifest, error) {
	if err := local.Check(p); err != nil {
		return nil, err
	}
	if len(o.Running) > 0 {
		return nil, fmt.Errorf("project %s: the local driver starts whole projects only; run `testbed -p %s down` first: %w", p.Project, p.Project, engine.ErrUnsupported)
	}
	if !o.Keep {
		m, err := engine.BringUp(ctx, d.eng, p, o)
		if err == nil {
			d.mu.Lock()
			d.here[p.Project] = m
			d.mu.Unlock()
		}
		return m, err
	}
	bin, err := Executable(ctx, d.o.Notef)
	if err != nil {
		return nil, err
	}
	b, err := p.Encode()
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(o.Dir, PlanFile), b, 0o600); err != nil {
		return nil, fmt.Errorf("project %s: %w", p.Project, err)
	}
	args := []string{"--progress", "plain"}
	if d.o.LogLevel != "" {
		args = append(args, "--log-level", d.o.LogLevel)
	}
	args = append(args, "supervise", "--dir", o.Dir)
	if o.Timeout > 0 {
		args = append(args, "--timeout", o.Timeout.String())
	}
	m, err := Spawn(ctx, SpawnOptions{Binary: bin, Args: args, Dir: o.Dir, Timeout: waitBound(p, o.Timeout), Sink: o.Sink})
	if err != nil {
		return nil, fmt.Errorf("project %s: %w", p.Project, err)
	}
	return m, nil
}

// waitBound is how long Up waits for the supervisor's report: the timeout,
// or every level's longest server timeout, plus a margin.
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

// Keep implements engine.Driver: a supervisor is kept by nature.
func (d *Driver) Keep(context.Context, *plan.Plan) error { return nil }

// isHere reports whether the project runs in this process.
func (d *Driver) isHere(project string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.here[project] != nil
}

// dirs lists the state directories of one project, or of every one ("").
func (d *Driver) dirs(project string) ([]string, error) {
	if project != "" {
		dir, err := d.o.StateDir(project)
		if err != nil {
			return nil, err
		}
		return []string{dir}, nil
	}
	entries, err := Scan(d.o.Base)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Dir)
	}
	return out, nil
}

// Servers implements engine.Driver: the servers of this process's
// projects, and those held by supervisors, from their records.
func (d *Driver) Servers(ctx context.Context, project string) ([]engine.Server, error) {
	var out []engine.Server
	d.mu.Lock()
	for p, m := range d.here {
		if project != "" && p != project {
			continue
		}
		for _, name := range m.Names() {
			out = append(out, engine.Server{Project: p, Server: name, Driver: local.Name, State: "running", Status: "in this process", Running: true, Endpoint: m.Servers[name]})
		}
	}
	d.mu.Unlock()
	dirs, err := d.dirs(project)
	if err != nil {
		return nil, err
	}
	for _, dir := range dirs {
		rec, err := ReadRecord(dir)
		if errors.Is(err, ErrNoSupervisor) {
			continue
		}
		if err != nil {
			return nil, err
		}
		state, status := "running", fmt.Sprintf("supervisor pid %d, up %s", rec.PID, time.Since(rec.Started).Round(time.Second))
		switch {
		case !rec.Alive():
			state, status = "exited", fmt.Sprintf("supervisor pid %d is gone (testbed reap clears it)", rec.PID)
		case rec.State != StateReady:
			state = rec.State
		}
		m, err := endpoints.Read(dir)
		if err != nil {
			continue
		}
		for _, name := range m.Names() {
			out = append(out, engine.Server{Project: rec.Project, Server: name, Driver: local.Name, State: state, Status: status,
				Running: state == "running", Owner: rec.Owner, SpecHash: rec.Hashes[name], Created: rec.Started, Endpoint: m.Servers[name]})
		}
	}
	return out, nil
}

// Resources implements engine.Driver: each project's supervisor, with the
// driver's own verdict on whether it lives.
func (d *Driver) Resources(ctx context.Context, project string) ([]engine.Resource, error) {
	dirs, err := d.dirs(project)
	if err != nil {
		return nil, err
	}
	var out []engine.Resource
	for _, dir := range dirs {
		rec, err := ReadRecord(dir)
		if err != nil {
			continue
		}
		// A live supervisor is a project left up on purpose: that is what
		// it is for.
		alive := rec.Alive()
		out = append(out, engine.Resource{Kind: "supervisor", Name: fmt.Sprintf("pid %d", rec.PID), Project: rec.Project, Owner: rec.Owner, Created: rec.Started, Alive: &alive, Kept: alive})
	}
	return out, nil
}

// Ready implements engine.Driver: a supervisor records itself ready once
// every server answered its probe, and stops them all if it dies.
func (d *Driver) Ready(_ context.Context, s engine.Server, _ *x509.CertPool) (bool, string) {
	if s.Running {
		return true, "held by the supervisor, which found it ready"
	}
	return false, "supervisor " + s.State
}

// Remove implements engine.Driver: it stops the project's servers in this
// process, or its supervisor, and waits until every port is closed.
func (d *Driver) Remove(ctx context.Context, o engine.RemoveOptions) error {
	if len(o.Servers) > 0 {
		return fmt.Errorf("the local driver stops whole projects only; run `testbed down` without server names: %w", engine.ErrUnsupported)
	}
	if d.isHere(o.Project) {
		err := d.eng.Remove(ctx, o)
		if err == nil {
			d.mu.Lock()
			delete(d.here, o.Project)
			d.mu.Unlock()
		}
		return err
	}
	if o.Owner != "" {
		return nil // a rollback: the supervisor rolled back itself
	}
	dir, err := d.o.StateDir(o.Project)
	if err != nil {
		return err
	}
	if err := Stop(ctx, dir); err != nil && !errors.Is(err, ErrNoSupervisor) {
		return err
	}
	return nil
}

// Logs implements engine.Driver: the server's log, from this process's
// memory or the supervisor's log file; follow keeps printing until ctx ends
// or the supervisor is gone.
func (d *Driver) Logs(ctx context.Context, project, server string, o engine.LogOptions) error {
	out := o.Stdout
	if out == nil {
		out = io.Discard
	}
	if d.isHere(project) {
		tail, err := d.eng.Logs(project, server, o.Tail)
		if err != nil {
			return err
		}
		_, err = io.WriteString(out, tail)
		return err
	}
	dir, err := d.o.StateDir(project)
	if err != nil {
		return err
	}
	f, err := os.Open(ServerLog(dir, server))
	if errors.Is(err, fs.ErrNotExist) {
		if m, merr := endpoints.Read(dir); merr == nil {
			return fmt.Errorf("project %s has no server %q (have %s)", project, server, strings.Join(m.Names(), ", "))
		}
		return fmt.Errorf("project %s is not up with the local driver (no log of %s in %s)", project, server, dir)
	}
	if err != nil {
		return err
	}
	defer f.Close()
	if o.Tail > 0 {
		b, err := io.ReadAll(f)
		if err != nil {
			return err
		}
		lines := strings.SplitAfter(string(b), "\n")
		if len(lines) > 0 && lines[len(lines)-1] == "" {
			lines = lines[:len(lines)-1]
		}
		if len(lines) > o.Tail {
			lines = lines[len(lines)-o.Tail:]
		}
		_, err = io.WriteString(out, strings.Join(lines, ""))
		return err
	}
	for {
		if _, err := io.Copy(out, f); err != nil {
			return fmt.Errorf("logs of %s: %w", server, err)
		}
		if !o.Follow {
			return nil
		}
		if rec, err := ReadRecord(dir); err != nil || !rec.Alive() {
			_, err := io.Copy(out, f)
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(FollowInterval):
		}
	}
}

// Exec implements engine.Driver: there is nothing to exec in.
func (d *Driver) Exec(context.Context, string, string, []string, io.Writer, io.Writer) (int, error) {
	return -1, fmt.Errorf("exec is not supported by the local driver: its servers run inside a process of testbed's, not in containers (bring the project up with --driver docker to exec in its servers): %w", engine.ErrUnsupported)
}
