// Package bringup is the one way a planned project comes up in its state
// directory, shared by the library's Start, `testbed up` and `run`, and the
// local supervisor: the project CA made (or reused) in the directory, then
// lifecycle.Up with readiness probes that trust it, bounded by an optional
// timeout; and, for a project left up, the record that `testbed env`, `ps`,
// `down` and `reap` read.
package bringup

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"time"

	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/lifecycle"
	"github.com/testbed-dev/testbed/plan"
	"github.com/testbed-dev/testbed/progress"
	"github.com/testbed-dev/testbed/servers/testca"
)

// Options tune Up. The zero value waits as long as each server's own
// readiness timeout, drops progress and rolls a failed up back.
type Options struct {
	// Timeout bounds the whole up; 0 leaves each server's own timeout.
	Timeout time.Duration
	// TimeoutName is how the user set Timeout, for the error when it runs
	// out: "--timeout 5s" gives "not ready within --timeout 5s: ...".
	TimeoutName string
	Sink        progress.Sink
	// KeepOnFailure leaves what a failed up made, for debugging.
	KeepOnFailure bool
}

// Up makes (or loads) the project CA in dir and brings p up on eng. It
// returns the endpoints and the CA.
func Up(ctx context.Context, eng lifecycle.Engine, p *plan.Plan, dir string, o Options) (*endpoints.Manifest, *testca.CA, error) {
	if o.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.Timeout)
		defer cancel()
	}
	ca, err := testca.LoadOrCreate(dir, "testbed "+p.Project+" test CA")
	if err != nil {
		return nil, nil, fmt.Errorf("project CA: %w", err)
	}
	m, err := lifecycle.Up(ctx, eng, p, lifecycle.UpOptions{
		CA:            ca,
		CAFile:        testca.CertFile(dir),
		ProbeTLS:      &tls.Config{RootCAs: ca.Pool()},
		Sink:          o.Sink,
		KeepOnFailure: o.KeepOnFailure,
		Owner:         p.Labels[plan.LabelOwner],
	})
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && o.Timeout > 0 {
			err = fmt.Errorf("not ready within %s: %w", o.TimeoutName, err)
		}
		return nil, nil, err
	}
	return m, ca, nil
}

// keeper is an engine that records on itself that a project is left up on
// purpose (the docker driver), so that reap spares it whatever state
// directory reap reads.
type keeper interface {
	MarkKept(ctx context.Context, p *plan.Plan) error
}

// Record keeps a project that is up: it marks it on eng as left up on
// purpose where eng can, and writes what `testbed env`, `ps`, `down` and
// `reap` read in dir: its endpoints and its spec hash. A project that
// cannot be recorded could not be found again, so Record then removes what
// this run made of it from eng and returns both errors.
func Record(ctx context.Context, eng lifecycle.Engine, p *plan.Plan, dir string, m *endpoints.Manifest) error {
	var err error
	if k, ok := eng.(keeper); ok {
		err = k.MarkKept(ctx, p)
	}
	if err == nil {
		err = endpoints.Write(dir, m)
	}
	if err == nil {
		if err = endpoints.WriteSpecHash(dir, p.SpecHash); err != nil {
			err = fmt.Errorf("write spec hash: %w", err)
		}
	}
	if err == nil {
		return nil
	}
	rm := eng.Remove(context.WithoutCancel(ctx), lifecycle.RemoveOptions{Project: p.Project, Owner: p.Labels[plan.LabelOwner]})
	if rm != nil {
		rm = fmt.Errorf("remove the unrecorded project: %w", rm)
	}
	return errors.Join(fmt.Errorf("record project %s in %s: %w", p.Project, dir, err), rm)
}
