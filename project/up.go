package project

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/engine"
	"github.com/testbed-dev/testbed/engine/local"
	"github.com/testbed-dev/testbed/owner"
	"github.com/testbed-dev/testbed/plan"
	"github.com/testbed-dev/testbed/progress"
	"github.com/testbed-dev/testbed/servers/testca"
	"github.com/testbed-dev/testbed/spec"
)

// UpOptions tune Up.
type UpOptions struct {
	// Keep: the servers outlive this call and process (`testbed up`);
	// without it the caller owns them until Running.Close (the library,
	// `run`), and holds the project's lock meanwhile.
	Keep          bool
	BindLocal     bool
	Timeout       time.Duration
	TimeoutName   string
	Sink          progress.Sink
	KeepOnFailure bool
	// Dir overrides the state directory (the library's throwaway one).
	Dir string
	// Reuse: servers that are up with this very spec already are reset to
	// their seeded state (engine.Resetter) instead of being left as they
	// are, so the caller gets fresh state without new servers.
	Reuse bool
}

// Running is a project that Up brought up.
type Running struct {
	Manifest *endpoints.Manifest
	CA       *testca.CA
	Plan     *plan.Plan
	// Started are the servers this Up (re)made; none when the project was
	// up with this spec already.
	Started []string
	// Removed are servers this Up removed first (changed, or gone from
	// the spec).
	Removed []string
	// Reset are the servers that were up already and were reset to their
	// seeded state (UpOptions.Reuse).
	Reset []string

	core  *Core
	lock  *owner.Lock // held until Close when not kept
	lease *owner.Lock // a reused project's lease, released by Close
	dir   string
	keep  bool
}

// Plan plans s for this core's driver, with no I/O but the content hashes
// of the servers' files (read first).
func (c *Core) Plan(s *Spec, bindLocal bool, ownerLabel string) (*plan.Plan, error) {
	return PlanFor(s, c.container, bindLocal, ownerLabel, c.o.Version)
}

// PlanFor plans s for a driver that runs containers or not (config).
func PlanFor(s *Spec, container, bindLocal bool, ownerLabel, version string) (*plan.Plan, error) {
	contents, err := s.Contents()
	if err != nil {
		return nil, err
	}
	p, err := plan.New(s.Testbed, s.Catalog, plan.Options{
		Project: s.Project, BindLocal: bindLocal, Owner: ownerLabel, Version: version,
		Container: container, Contents: contents,
	})
	if err != nil {
		return nil, &UsageError{err}
	}
	return p, nil
}

// Up brings s up: it takes the project's lock, plans, compares the plan
// with what the driver has of the project, removes servers that changed
// (content hash) or that stopped, starts those and the missing ones, and
// returns the endpoints of every server of the project. A project up with
// this very spec is left as it is.
func (c *Core) Up(ctx context.Context, s *Spec, o UpOptions) (r *Running, err error) {
	red := s.Redactor()
	o.Sink = RedactSink(o.Sink, red)
	defer func() { err = RedactError(err, red) }()
	lock, err := c.lock(ctx, s.Project, roleUp, "up did")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil || o.Keep {
			lock.Unlock(false)
		}
	}()
	p, err := c.Plan(s, o.BindLocal, owner.Self().WithLock(lock).String())
	if err != nil {
		return nil, err
	}
	if ch, ok := c.drv.(engine.Checker); ok {
		if err := ch.Check(p); err != nil {
			return nil, err
		}
	}
	dir := o.Dir
	if dir == "" {
		if dir, err = c.StateDir(s.Project); err != nil {
			return nil, err
		}
	}
	have, err := c.look(ctx, p, lock)
	if err != nil {
		return nil, err
	}
	running, stale := map[string]bool{}, []string{}
	for _, srv := range have {
		st := p.Step(srv.Server)
		switch {
		case st == nil && s.Subset:
			// Another part of the project: not this up's business.
		case st == nil, srv.SpecHash != st.Hash, !srv.Running:
			stale = append(stale, srv.Server)
		case o.Reuse && srv.Labels[plan.LabelReset] == spec.ResetRecreate:
			// Fresh state for an image server: a new container.
			stale = append(stale, srv.Server)
		default:
			running[srv.Server] = true
		}
	}
	if len(running) > 0 {
		// Servers that stay hold certificates of the CA in the state
		// directory that brought them up; another one has another CA.
		if _, err := os.Stat(testca.CertFile(dir)); err != nil {
			return nil, usagef("project %s is already up, recorded in another state directory than %s; run `testbed -p %s down` first, or use that --state-dir", p.Project, dir, p.Project)
		}
	}
	sort.Strings(stale)
	if len(stale) > 0 {
		err := c.drv.Remove(ctx, engine.RemoveOptions{Project: p.Project, Servers: stale})
		if errors.Is(err, engine.ErrUnsupported) {
			return nil, usagef("project %s is already up with a different spec (changed: %s), and the %s driver replaces whole projects only; run `testbed -p %s down` first, or pick another --project",
				p.Project, strings.Join(stale, ", "), c.drv.Name(), p.Project)
		}
		if err != nil {
			return nil, fmt.Errorf("project %s: remove changed servers %v: %w", p.Project, stale, err)
		}
	}
	_, statErr := os.Stat(dir)
	madeDir := errors.Is(statErr, os.ErrNotExist)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("state directory: %w", err)
	}
	defer func() {
		if err != nil && madeDir && len(have) == 0 {
			os.RemoveAll(dir)
		}
	}()
	ca, err := testca.LoadOrCreate(dir, "testbed "+p.Project+" test CA")
	if err != nil {
		return nil, fmt.Errorf("project CA: %w", err)
	}
	r = &Running{CA: ca, Plan: p, Removed: stale, core: c, lock: lock, dir: dir, keep: o.Keep}
	if o.Reuse && len(running) > 0 {
		var up []engine.Server
		for _, srv := range have {
			if running[srv.Server] {
				up = append(up, srv)
			}
		}
		if err := c.reset(ctx, p.Project, up, ca, o); err != nil {
			return nil, err
		}
		for name := range running {
			r.Reset = append(r.Reset, name)
		}
		sort.Strings(r.Reset)
	}
	if len(running) < len(p.Steps()) {
		for _, st := range p.Steps() {
			if !running[st.Server.Name] {
				r.Started = append(r.Started, st.Server.Name)
			}
		}
		_, err = c.drv.Up(ctx, p, engine.UpOptions{
			Running: running, Keep: o.Keep, Dir: dir, CA: ca, Timeout: o.Timeout, TimeoutName: o.TimeoutName,
			Sink: o.Sink, KeepOnFailure: o.KeepOnFailure, Owner: p.Labels[plan.LabelOwner],
		})
		if err != nil {
			return nil, c.needsEngine(err) // it names the server, the phase and why
		}
	}
	if o.Keep {
		if err := c.drv.Keep(ctx, p); err != nil {
			return nil, errors.Join(err, c.rollback(ctx, p))
		}
	}
	var m *endpoints.Manifest
	if len(r.Started) == 0 && len(stale) == 0 {
		// Nothing made or removed (a reset keeps addresses): what look
		// listed is what runs.
		m, err = c.manifest(have, p.Project, dir, p.Domain)
	} else {
		m, err = c.endpoints(ctx, p.Project, dir, p.Domain)
	}
	if err != nil {
		return nil, errors.Join(err, c.rollback(ctx, p))
	}
	r.Manifest = m
	return r, nil
}

// needsEngine turns the local driver's refusal of a server that needs an
// image, when auto chose it because the engine did not answer, into what
// went wrong: the engine is unreachable (a runtime failure, not a usage
// error).
func (c *Core) needsEngine(err error) error {
	if c.unavailable == nil || !errors.Is(err, local.ErrNeedsEngine) {
		return err
	}
	return fmt.Errorf("%w; it is needed because %s", c.unavailable, strings.ReplaceAll(err.Error(), "\n", "; "))
}

// rollback removes what this run made of p.
func (c *Core) rollback(ctx context.Context, p *plan.Plan) error {
	return c.drv.Remove(context.WithoutCancel(ctx), engine.RemoveOptions{Project: p.Project, Owner: p.Labels[plan.LabelOwner]})
}

// look reads what the driver has of p's project, and clears what a dead
// run left of a project that was never kept. It refuses a project that a
// run it cannot see (another host) is bringing up.
func (c *Core) look(ctx context.Context, p *plan.Plan, lock *owner.Lock) ([]engine.Server, error) {
	res, err := c.drv.Resources(ctx, p.Project)
	if err != nil {
		return nil, err
	}
	if len(res) == 0 {
		return nil, nil
	}
	kept := slices.ContainsFunc(res, func(r engine.Resource) bool { return r.Kept })
	if !kept {
		// We hold the lock, so no run that takes it works on it; a run we
		// cannot judge (another host, another pid namespace and file
		// system), or one alive without the lock, may.
		for _, r := range res {
			if r.Alive != nil {
				if *r.Alive {
					return nil, usagef("project %s is being brought up by another run (%s); pick another --project", p.Project, r.Name)
				}
				continue
			}
			o, err := owner.Parse(r.Owner)
			if err != nil {
				continue
			}
			if alive, _, _ := o.Judge(lock.Ident()); alive {
				return nil, usagef("project %s is being brought up by another run (pid %d on %s); pick another --project", p.Project, o.PID, o.Host)
			}
		}
		c.o.Notef("removing what a crashed run of project %s left (%d resources)", p.Project, len(res))
		if err := c.drv.Remove(ctx, engine.RemoveOptions{Project: p.Project}); err != nil {
			return nil, err
		}
		return nil, nil
	}
	return c.drv.Servers(ctx, p.Project)
}

// Close takes a project that is not kept down (and releases its lock); a
// kept one stays, and a reused one is handed back (its lease released).
func (r *Running) Close(ctx context.Context) error {
	if r.lease != nil {
		r.lease.Unlock(false)
		r.lease = nil
	}
	if r.keep || r.core == nil {
		return nil
	}
	err := r.core.drv.Remove(ctx, engine.RemoveOptions{Project: r.Plan.Project})
	err = errors.Join(err, os.RemoveAll(r.dir))
	r.lock.Unlock(err == nil)
	r.core = nil
	return err
}

// Tails is the end of every server's log, for a failed test.
func (r *Running) Tails(ctx context.Context, n int) map[string]string {
	out := map[string]string{}
	if r.core == nil {
		return out
	}
	for _, name := range r.Manifest.Names() {
		var b bytesBuffer
		if err := r.core.drv.Logs(ctx, r.Plan.Project, name, engine.LogOptions{Tail: n, Stdout: &b, Stderr: &b}); err == nil {
			out[name] = b.String()
		}
	}
	return out
}

// Image is a server's image, as Build made or found it.
type Image struct{ Server, Image string }

// imageBuilder is a driver that builds images (docker).
type imageBuilder interface {
	EnsureImages(ctx context.Context, p *plan.Plan, sink progress.Sink) (map[string]string, error)
}

// Build makes every image the servers of s need, where the driver has
// images.
func (c *Core) Build(ctx context.Context, s *Spec, sink progress.Sink) (_ []Image, err error) {
	red := s.Redactor()
	sink = RedactSink(sink, red)
	defer func() { err = RedactError(err, red) }()
	b, ok := c.drv.(imageBuilder)
	if !ok {
		return nil, fmt.Errorf("build: the %s driver has no images: %w", c.drv.Name(), engine.ErrUnsupported)
	}
	p, err := c.Plan(s, false, "")
	if err != nil {
		return nil, err
	}
	images, err := b.EnsureImages(ctx, p, sink)
	if err != nil {
		return nil, err
	}
	var out []Image
	for _, st := range p.Steps() {
		out = append(out, Image{Server: st.Server.Name, Image: images[st.Server.Name]})
	}
	return out, nil
}
