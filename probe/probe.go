// Package probe tells when a test server is ready to serve.
//
// A [Probe] checks a running server (a [Target]) once: a TCP connection, an
// HTTP GET, a TLS handshake, a greeting banner, an echoed line, a command run
// in the server, a line in its output, the engine's healthcheck, or a clean
// exit; [All] and [Any] combine probes. [FromSpec] builds a probe from a
// [spec.Probe], checking it by the rules of spec validation; [Describe]
// shows a spec probe as people see it (the built probe's String). [Wait]
// repeats a probe until it passes, fails for good ([ErrPermanent]) or times
// out ([ErrNotReady]): every few milliseconds while nothing listens yet, so
// a server is seen ready right after it opens its port, and with a growing
// interval once it answers without being ready.
//
// Probes that need more than an address (exec, log, health, exited) find what
// they need on the target through small extension interfaces ([Execer],
// [LogReader], [HealthReporter], [ExitReporter]); a target without one fails
// those probes with [ErrUnsupported]. A target that reaches servers directly,
// not through a port proxy, says so with [DirectReporter].
package probe

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/testbed-dev/testbed/spec"
)

// Defaults of [Wait] and of single checks, in one place.
//
// Wait has two schedules. While nothing listens on the server's port yet
// (connections are refused, or a port proxy closes them at once) a check
// costs the server nothing, so for the first DefaultFastWindow Wait checks
// every DefaultFast: a server is seen ready within a few milliseconds of
// opening its port. Once the server answers but is not ready yet (a 503, a
// wrong banner, a TLS error), and after the window, the interval starts at
// DefaultInitial and grows by BackoffFactor to DefaultMax, so a slow server
// is not hammered.
const (
	// DefaultInitial is the first interval between two checks.
	DefaultInitial = 2 * time.Millisecond
	// DefaultMax caps the interval between two checks.
	DefaultMax = 250 * time.Millisecond
	// DefaultFast is the interval while nothing listens, within the window.
	DefaultFast = 5 * time.Millisecond
	// DefaultFastWindow is how long from the start of a Wait DefaultFast
	// applies; after it every failure backs off.
	DefaultFastWindow = 10 * time.Second
	// DefaultAttempt bounds one check; it is also applied by Check itself when
	// its ctx has no deadline.
	DefaultAttempt = 2 * time.Second
	// BackoffFactor is how much the interval grows after each failed check.
	BackoffFactor = 1.5
	// BannerLimit is how many bytes a banner probe reads at most.
	BannerLimit = 512
	// MaxDepth is how deeply all/any probes may nest in a spec probe
	// FromSpec takes: spec.MaxProbeDepth, the bound spec validation applies.
	MaxDepth = spec.MaxProbeDepth
)

// Target is what a probe checks: a running server.
type Target interface {
	// Addr returns the host:port at which this process reaches the server's
	// container port (proto "tcp" or "udp"). An error is retried by Wait
	// unless it wraps ErrPermanent (see Permanent).
	Addr(port int, proto string) (string, error)
}

// Execer is a Target that can run a command in the server.
type Execer interface {
	// Exec runs argv (no shell) and returns its exit code and combined output.
	Exec(ctx context.Context, argv []string) (exitCode int, output []byte, err error)
}

// LogReader is a Target that can show the server's output.
type LogReader interface {
	// Logs returns the server's output so far.
	Logs(ctx context.Context) ([]byte, error)
}

// HealthReporter is a Target that knows the engine's healthcheck status.
type HealthReporter interface {
	// Health returns "healthy", "unhealthy", "starting" or "none".
	Health(ctx context.Context) (string, error)
}

// ExitReporter is a Target that knows whether the server has exited.
type ExitReporter interface {
	// Exited reports whether the server's process has ended, and its status.
	Exited(ctx context.Context) (exited bool, code int, err error)
}

// Probe checks once whether a server is ready.
type Probe interface {
	// Check returns nil when the server is ready. It honours ctx's deadline;
	// when ctx has none, DefaultAttempt bounds network checks.
	Check(ctx context.Context, t Target) error
	// String describes the probe for progress lines, like "tcp 80" or
	// "http GET /healthz on 8080 = 200".
	String() string
}

var (
	// ErrNotReady is wrapped by Wait's error when the server did not become
	// ready in time.
	ErrNotReady = errors.New("not ready")
	// ErrUnsupported is wrapped by a check that needs something the target
	// cannot do (run commands, show logs, ...). Such errors are permanent.
	ErrUnsupported = errors.New("unsupported by the target")
	// ErrPermanent marks a check error that retrying cannot fix; Wait stops
	// at once. Test with errors.Is; make one with Permanent.
	ErrPermanent = errors.New("permanent failure")
)

// Permanent marks err as one that retrying cannot fix: errors.Is(result,
// ErrPermanent) holds, and the message is err's own. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

type permanentError struct{ err error }

func (e *permanentError) Error() string        { return e.err.Error() }
func (e *permanentError) Unwrap() error        { return e.err }
func (e *permanentError) Is(target error) bool { return target == ErrPermanent }

// unsupported is the permanent error of a probe whose target lacks an
// extension interface.
func unsupported(t Target, what, iface string) error {
	return Permanent(fmt.Errorf("target %T cannot %s (no probe.%s): %w", t, what, iface, ErrUnsupported))
}
