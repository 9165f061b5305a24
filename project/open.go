package project

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/engine"
	"github.com/testbed-dev/testbed/engine/docker"
	"github.com/testbed-dev/testbed/engine/local/supervisor"
	"github.com/testbed-dev/testbed/owner"
	"github.com/testbed-dev/testbed/progress"
)

// Options open a core on a driver.
type Options struct {
	// Driver is "auto" (docker when an engine answers, else local),
	// "docker" or "local"; "" is auto.
	Driver string
	// StateDir is the base of the projects' state directories; "" is
	// $XDG_STATE_HOME/testbed.
	StateDir string
	// LockDir holds the projects' lock files; "" is DefaultLockDir().
	LockDir string
	Logger  *slog.Logger
	// Notef tells the user something on the side (which driver, what was
	// cleaned up); nil is quiet.
	Notef func(format string, args ...any)
	// Version is the testbed.version label.
	Version string
	// Docker options.
	Pull, NoBuild, NoCache bool
	// Publish: the engine publishes ports even where testbed could
	// forward them itself.
	Publish bool
	// LogLevel is the local supervisor's --log-level.
	LogLevel string
	// Prefer is the driver a project is known to be up with (its
	// endpoints cache says so), tried first by auto.
	Prefer string
	// Drivers are drivers a front end adds to the registry: selected by
	// name only, never by auto. The kubernetes driver comes this way, so
	// that the server binary, which has no front end that adds it, does
	// not carry client-go.
	Drivers []Opener
}

// Opener is a driver a front end adds to the registry ([Options.Drivers]).
type Opener struct {
	Name string
	// Container: the driver runs servers in containers (plans publish
	// data ports).
	Container bool
	Open      func(ctx context.Context, o Options) (engine.Driver, error)
}

// Core is a testbed core on one driver.
type Core struct {
	drv       engine.Driver
	container bool // the driver runs servers in containers (plans publish data ports)
	o         Options
	// unavailable is why auto passed over the drivers before this one
	// (the Docker engine unreachable), nil when it did not.
	unavailable error
}

// opener is one driver of the registry.
type opener struct {
	name      string
	container bool
	open      func(ctx context.Context, o Options) (engine.Driver, error)
}

// drivers is the registry, in the order auto tries them.
var drivers = []opener{
	{name: "docker", container: true, open: func(ctx context.Context, o Options) (engine.Driver, error) {
		return docker.New(ctx, docker.Options{Logger: o.Logger, Pull: o.Pull, NoBuild: o.NoBuild, NoCache: o.NoCache, Publish: o.Publish})
	}},
	{name: "local", open: func(_ context.Context, o Options) (engine.Driver, error) {
		base, err := stateBase(o.StateDir)
		if err != nil {
			return nil, err
		}
		return supervisor.NewDriver(supervisor.DriverOptions{
			StateDir: func(project string) (string, error) { return endpoints.StateDir(o.StateDir, project) },
			Base:     base, Logger: o.Logger, LogLevel: o.LogLevel, Notef: o.Notef,
		}), nil
	}},
}

// registry is the built-in drivers and the front end's.
func registry(o Options) []opener {
	out := append([]opener(nil), drivers...)
	for _, d := range o.Drivers {
		out = append(out, opener{name: d.Name, container: d.Container, open: d.Open})
	}
	return out
}

// DriverNames says which driver names are valid: "auto, docker or local",
// with the extra drivers' names before "or".
func DriverNames(extra []Opener) string {
	names := []string{"auto"}
	for _, d := range drivers {
		names = append(names, d.name)
	}
	for _, d := range extra {
		names = append(names, d.Name)
	}
	out := strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
	if !slices.ContainsFunc(extra, func(d Opener) bool { return d.Name == KubernetesDriver }) {
		out += " (" + KubernetesDriver + " is in a build with -tags " + KubernetesDriver + " only)"
	}
	return out
}

// KubernetesDriver is the name of the driver that a build with the
// kubernetes tag adds (engine/kubernetes/register).
const KubernetesDriver = "kubernetes"

// errUnavailable is what an opener returns when its driver is not there,
// so that auto tries the next one.
func errUnavailable(err error) bool { return errors.Is(err, docker.ErrUnavailable) }

// Open opens the driver o.Driver names.
func Open(ctx context.Context, o Options) (*Core, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Notef == nil {
		o.Notef = func(string, ...any) {}
	}
	name := o.Driver
	if name == "" {
		name = "auto"
	}
	if name != "auto" {
		for _, d := range registry(o) {
			if d.name == name {
				drv, err := d.open(ctx, o)
				if err != nil {
					return nil, err
				}
				return &Core{drv: drv, container: d.container, o: o}, nil
			}
		}
		return nil, usagef("driver %q: want %s", name, DriverNames(o.Drivers))
	}
	order := drivers
	if o.Prefer == "local" {
		order = []opener{drivers[1], drivers[0]}
	}
	var errs []error
	for i, d := range order {
		drv, err := d.open(ctx, o)
		if err == nil {
			if i > 0 {
				o.Notef("no Docker engine answers; using the %s driver (built-in servers on 127.0.0.1)", d.name)
				o.Logger.Debug("drivers unavailable", "err", errors.Join(errs...))
			}
			return &Core{drv: drv, container: d.container, o: o, unavailable: errors.Join(errs...)}, nil
		}
		if !errUnavailable(err) || o.Prefer == d.name {
			return nil, err
		}
		errs = append(errs, err)
	}
	return nil, errors.Join(errs...)
}

// OpenFor opens the driver for a command on a project that may be up: with
// auto, the driver its endpoints cache names is the one asked.
func OpenFor(ctx context.Context, project string, o Options) (*Core, error) {
	if o.Driver == "" || o.Driver == "auto" {
		if dir, err := endpoints.StateDir(o.StateDir, project); err == nil {
			if m, err := endpoints.Read(dir); err == nil {
				o.Prefer = m.Driver
			}
		}
	}
	return Open(ctx, o)
}

// Driver is the driver's name.
func (c *Core) Driver() string { return c.drv.Name() }

// Close releases the driver.
func (c *Core) Close() error { return c.drv.Close() }

// StateDir is a project's state directory.
func (c *Core) StateDir(project string) (string, error) {
	return endpoints.StateDir(c.o.StateDir, project)
}

func stateBase(base string) (string, error) {
	dir, err := endpoints.StateDir(base, "x")
	if err != nil {
		return "", err
	}
	return filepath.Dir(dir), nil
}

// DefaultLockDir is where project locks live unless Options.LockDir says:
// $XDG_RUNTIME_DIR/testbed/locks, else the user cache directory's
// testbed/locks (~/.cache), else <tmp>/testbed-<uid>/locks. It does not
// depend on --state-dir, so two runs with different state directories
// still exclude each other.
func DefaultLockDir() string {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "testbed", "locks")
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "testbed", "locks")
	}
	return filepath.Join(os.TempDir(), "testbed-"+strconv.Itoa(os.Getuid()), "locks")
}

// lockPath is a project's lock file.
func (c *Core) lockPath(project string) string {
	dir := c.o.LockDir
	if dir == "" {
		dir = DefaultLockDir()
	}
	return filepath.Join(dir, project+".lock")
}

// Roles written in a project's lock, for whoever finds it held.
const (
	roleUp   = "up"
	roleDown = "down"
	roleReap = "reap"
)

// ReapWait bounds how long up, down and reap wait for a reap that holds a
// project's lock (it holds it only while it judges or removes the project).
const ReapWait = 2 * time.Minute

// lock takes the project's lock, or says who holds it (exit 2). A reap
// that holds it is waited for: it is done with the project soon, one way
// or the other.
func (c *Core) lock(ctx context.Context, project, role, doing string) (*owner.Lock, error) {
	l, err := lockWaitingForReap(ctx, c.lockPath(project), role)
	var le *owner.LockedError
	if errors.As(err, &le) {
		return nil, usagef("project %s is being brought up by another run (pid %d); %s nothing (wait for it, or pick another --project)", project, le.PID, doing)
	}
	if err != nil {
		return nil, fmt.Errorf("project %s: %w", project, err)
	}
	return l, nil
}

// lockWaitingForReap is owner.TryLockAs that waits while a reap holds the
// lock (up to ReapWait).
func lockWaitingForReap(ctx context.Context, path, role string) (*owner.Lock, error) {
	deadline := time.Now().Add(ReapWait)
	interval := 10 * time.Millisecond
	for {
		l, err := owner.TryLockAs(path, role)
		var le *owner.LockedError
		if !errors.As(err, &le) || le.Role != roleReap || time.Now().After(deadline) {
			return l, err
		}
		select {
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		case <-time.After(interval):
		}
		interval = min(2*interval, 200*time.Millisecond)
	}
}

// Doctor checks the drivers for `testbed doctor`, saying each finding, and
// returns the engine's architecture ("" when unknown).
func Doctor(ctx context.Context, say func(ok bool, format string, args ...any)) string {
	return docker.Doctor(ctx, say)
}

// forwardServer is a driver that runs a kept project's background
// forwarder (docker without published ports, kubernetes outside the
// cluster).
type forwardServer interface {
	ServeForwards(ctx context.Context, project string, ready io.Writer) error
}

// ServeForwards is a kept project's background forwarder (the hidden
// `testbed forward` command), on the driver o names (docker when none):
// it forwards the project's host ports to its servers until they are gone
// or ctx ends, and writes the ready line to ready once it listens.
func ServeForwards(ctx context.Context, o Options, project string, ready io.Writer) error {
	if o.Driver == "" || o.Driver == "auto" {
		o.Driver = "docker"
	}
	c, err := Open(ctx, o)
	if err != nil {
		return err
	}
	defer c.Close()
	fs, ok := c.drv.(forwardServer)
	if !ok {
		return fmt.Errorf("the %s driver has no background forwarder", c.Driver())
	}
	return fs.ServeForwards(ctx, project, ready)
}

// Supervise is the local driver's supervisor process (the hidden
// `testbed supervise` command): it runs the plan the driver left in dir.
func Supervise(ctx context.Context, dir string, timeout time.Duration, log *slog.Logger, sink progress.Sink) error {
	return supervisor.Main(ctx, supervisor.MainOptions{Dir: dir, Timeout: timeout, Logger: log, Sink: sink})
}

// OpenAll opens every driver that has something to show or clean for
// `ps --all` and `reap`: the local driver (its supervisors need no
// engine), and o.Driver's when that is another.
func OpenAll(ctx context.Context, o Options) ([]*Core, error) {
	lo := o
	lo.Driver = "local"
	local, err := Open(ctx, lo)
	if err != nil {
		return nil, err
	}
	out := []*Core{local}
	if o.Driver == "local" {
		return out, nil
	}
	c, err := Open(ctx, o)
	if err != nil {
		local.Close()
		return nil, err
	}
	if c.Driver() == local.Driver() {
		c.Close() // auto found no engine
		return out, nil
	}
	return append(out, c), nil
}
