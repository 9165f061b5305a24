// Package engine is what the project core asks of a driver: one interface,
// [Driver], that covers every command (bring servers up, list them with
// their state, remove all or some, logs, exec, the kept marker), so that a
// new driver (Kubernetes is next) is one more implementation and touches no
// command. The implementations are engine/docker (containers on a Docker
// Engine) and engine/local/supervisor (built-in servers as goroutines of
// this process, or of a background supervisor process when kept).
//
// A driver never writes into the plan it is given: what it chooses (images,
// host ports, FTP data ports) comes back in its results.
package engine

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"time"

	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/lifecycle"
	"github.com/testbed-dev/testbed/plan"
	"github.com/testbed-dev/testbed/progress"
	"github.com/testbed-dev/testbed/servers/control"
	"github.com/testbed-dev/testbed/servers/testca"
)

// ErrUnsupported is wrapped by a driver's error for an operation it cannot
// do (exec in a local server, removing one server of a local project).
var ErrUnsupported = errors.New("not supported by this driver")

// Driver runs a project's servers somewhere.
type Driver interface {
	// Name is the driver's name in endpoints ("docker", "local").
	Name() string
	// Up starts the servers of p that are not in o.Running, in dependency
	// order, and waits until each is ready. It returns the endpoints of the
	// servers it started. A failed Up removes what it made (unless
	// o.KeepOnFailure).
	Up(ctx context.Context, p *plan.Plan, o UpOptions) (*endpoints.Manifest, error)
	// Keep records on the driver's side that p is left up on purpose
	// (reap spares it); Remove takes the record away first.
	Keep(ctx context.Context, p *plan.Plan) error
	// Servers lists the servers of a project ("" = every project) as they
	// are now, read from the driver (labels), never from a state file.
	Servers(ctx context.Context, project string) ([]Server, error)
	// Resources lists everything the driver holds of a project ("" = every
	// project), for reap and for up's look at what is there.
	Resources(ctx context.Context, project string) ([]Resource, error)
	// Ready checks once whether a listed server answers its readiness
	// probe now, trusting roots for TLS probes, and says what was checked
	// or why it is not ready.
	Ready(ctx context.Context, s Server, roots *x509.CertPool) (bool, string)
	// Remove removes a project's servers: all of them and everything else
	// it holds (kept marker first, then servers, then network and volumes),
	// or only o.Servers.
	Remove(ctx context.Context, o RemoveOptions) error
	// Logs copies a server's output; follow keeps copying until ctx ends
	// or the server stops.
	Logs(ctx context.Context, project, server string, o LogOptions) error
	// Exec runs argv in a server (no shell) and returns its exit status.
	Exec(ctx context.Context, project, server string, argv []string, stdout, stderr io.Writer) (int, error)
	// Close releases the driver's connections (and, for a driver that runs
	// servers in this process, nothing else: Remove stops those).
	Close() error
}

// Resetter is a driver that can put the servers of a running project back
// to their seeded state, for a testbed that is reused: built-in servers
// through their control channels (servers/control), image and build
// servers by a restart (unless their spec says reset: none).
type Resetter interface {
	Reset(ctx context.Context, project string, o ResetOptions) error
}

// ResetOptions tune Resetter.Reset.
type ResetOptions struct {
	Token   string         // the control channel's token (ControlToken)
	Roots   *x509.CertPool // trusted by the readiness probes of restarted servers
	Timeout time.Duration  // bounds waiting for a restarted server; 0 = spec.DefaultTimeout
	// Servers are the project's servers to reset, as Servers listed them
	// just before; nil = the driver lists them.
	Servers []Server
}

// Checker is a driver that can refuse a plan it cannot run (a build on a
// cluster) before anything is asked of its engine: the core calls Check
// right after planning, before it looks at what is up.
type Checker interface {
	Check(p *plan.Plan) error
}

// UpOptions tune Driver.Up.
type UpOptions struct {
	// Running are servers that are up and ready already: not started, and
	// their dependents do not wait for them.
	Running map[string]bool
	// Keep: the servers outlive this process (`testbed up`, a kept library
	// run). A driver that runs servers in-process then runs them elsewhere
	// (the local driver's supervisor).
	Keep bool
	// Dir is the project's state directory (CA; the local supervisor's
	// record and logs).
	Dir           string
	CA            *testca.CA
	Timeout       time.Duration // bounds the whole up; 0 = each server's own
	TimeoutName   string        // how the user set Timeout, for the error
	Sink          progress.Sink
	KeepOnFailure bool
	// Owner is this run's owner label: a rollback removes only what it made.
	Owner string
}

// Server is one server of a project as the driver sees it now.
type Server struct {
	Project  string
	Server   string
	Driver   string
	Name     string // the container; "" where there is none
	Image    string
	SpecHash string // the server's content hash it was made from (label)
	Owner    string // the run that made it (label)
	State    string // running, exited, created, ...
	Status   string // the driver's words
	Running  bool
	Endpoint *endpoints.Server
	Labels   map[string]string
	Created  time.Time
}

// Resource is one thing a driver holds for a project.
type Resource struct {
	Kind    string // container, network, volume, supervisor
	Name    string
	Project string
	Owner   string
	// Kept: the project's marker that it was left up on purpose.
	Kept    bool
	Created time.Time // zero when unknown
	// Alive is the driver's own verdict on the owner, when it has one
	// (the local supervisor holds a lock on its record); nil = ask the
	// owner label.
	Alive *bool
}

// RemoveOptions select what Remove takes away.
type RemoveOptions = lifecycle.RemoveOptions

// LogOptions tune Driver.Logs.
type LogOptions struct {
	Follow bool
	Tail   int // last lines only; 0 = all
	Stdout io.Writer
	Stderr io.Writer
}

// BringUp is Driver.Up for a driver whose servers lifecycle.Up starts one
// at a time (r): the servers get certificates from o.CA, and readiness
// probes trust it.
func BringUp(ctx context.Context, r lifecycle.Engine, p *plan.Plan, o UpOptions) (*endpoints.Manifest, error) {
	return lifecycle.Up(ctx, r, p, lifecycle.UpOptions{
		CA:            o.CA,
		CAFile:        testca.CertFile(o.Dir),
		ProbeTLS:      &tls.Config{RootCAs: o.CA.Pool()},
		Sink:          o.Sink,
		KeepOnFailure: o.KeepOnFailure,
		Owner:         o.Owner,
		Running:       o.Running,
		Timeout:       o.Timeout,
		TimeoutName:   o.TimeoutName,
		ControlToken:  ControlToken(o.CA),
	})
}

// ControlToken is the token of the built-in servers' control channel in a
// project whose CA is ca ("" without one).
func ControlToken(ca *testca.CA) string {
	if ca == nil {
		return ""
	}
	return ca.Secret(control.TokenPurpose)
}
