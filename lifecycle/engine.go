// Package lifecycle brings a planned testbed up and down on an engine:
// servers start as soon as their dependencies allow, each is probed until
// it answers, and a failed or interrupted `up` removes what it made.
package lifecycle

import (
	"context"

	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/plan"
	"github.com/testbed-dev/testbed/probe"
	"github.com/testbed-dev/testbed/progress"
)

// Engine runs servers: containers on a Docker Engine, or processes.
type Engine interface {
	// Name is the driver's name in endpoints ("docker", "local").
	Name() string
	// Prepare makes what every server needs before one starts (images, the
	// project network). It reports build progress to sink.
	Prepare(ctx context.Context, p *plan.Plan, sink progress.Sink) error
	// Start creates and starts one server.
	Start(ctx context.Context, p *plan.Plan, st *plan.Step, tls *TLSMaterial) (Instance, error)
	// Remove removes the project's resources; with Owner set, only those
	// that run made.
	Remove(ctx context.Context, o RemoveOptions) error
}

// RemoveOptions select what Remove takes away.
type RemoveOptions struct {
	Project string
	Servers []string // only these servers; nil = the whole project
	Owner   string   // only what this run made; "" = whatever run made it
	Images  bool     // also the images testbed built for the project
	// Removed, when set, is told each image removed (a tag, or an ID
	// for an untagged one), so that down can say what went.
	Removed func(image string)
}

// Instance is a started server.
type Instance interface {
	probe.Target
	// Exited says what Done and ExitCode do, for exited probes, alone or
	// within all/any.
	probe.ExitReporter
	// Endpoint says how clients reach the server.
	Endpoint(ctx context.Context) (*endpoints.Server, error)
	// Done is closed when the server's process ends; ExitCode is valid then.
	Done() <-chan struct{}
	ExitCode() int
	// LogTail returns the last n lines of the server's output.
	LogTail(ctx context.Context, n int) string
}

// TLSMaterial is a server's certificate and key (PEM), issued by the project CA.
type TLSMaterial struct {
	CertPEM []byte
	KeyPEM  []byte
	// ControlToken is the bearer token of a built-in server's control
	// channel, derived from the same CA ("" for none).
	ControlToken string
}

// Issuer issues server certificates (the project's test CA).
type Issuer interface {
	Issue(names ...string) (certPEM, keyPEM []byte, err error)
}
