package lifecycle

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/plan"
	"github.com/testbed-dev/testbed/probe"
	"github.com/testbed-dev/testbed/progress"
	"github.com/testbed-dev/testbed/spec"
)

// LogTailLines is how many lines of a failed server's output an error carries.
const LogTailLines = 20

// RollbackTimeout bounds the clean-up after a failed or interrupted up.
const RollbackTimeout = 60 * time.Second

// SettleTime is how long a server with no readiness probe must keep
// running after its start to count as ready: "running" is all there is
// to check then, and a process that fails at once (a bad command, a
// missing file) ends well within it.
const SettleTime = 500 * time.Millisecond

// UpOptions tune Up.
type UpOptions struct {
	CA            Issuer      // issues server certificates; nil = no TLS material
	CAFile        string      // the CA's PEM path, for the manifest
	ProbeTLS      *tls.Config // trusts the project CA, for TLS probes
	Sink          progress.Sink
	KeepOnFailure bool   // leave what was made when up fails, for debugging
	Owner         string // this run's owner label, to roll back only what it made
	// Running are servers that are up and ready already: they are not
	// started, and their dependents do not wait for them.
	Running map[string]bool
	// Timeout bounds the whole up; 0 leaves each server's own timeout.
	// TimeoutName is how the user set it ("--timeout 5s"), for the error.
	Timeout     time.Duration
	TimeoutName string
	// ControlToken is handed to every server with its TLS material: the
	// token of the built-in servers' control channel (servers/control).
	ControlToken string
}

// ServerError is a failure of one server, with the phase and log tail.
type ServerError struct {
	Server string
	Phase  string
	Err    error
	Log    string // last lines of the server's output, if any
}

func (e *ServerError) Error() string {
	msg := fmt.Sprintf("server %s: %s: %v", e.Server, e.Phase, e.Err)
	if strings.TrimSpace(e.Log) != "" {
		msg += "\n--- last lines of " + e.Server + "'s log ---\n" + strings.TrimRight(e.Log, "\n")
	}
	return msg
}

func (e *ServerError) Unwrap() error { return e.Err }

// Up brings every server of p up on eng, waits until each is ready, and
// returns the endpoints. On failure or cancellation it removes what it made
// (unless KeepOnFailure) and returns the first server's error.
func Up(ctx context.Context, eng Engine, p *plan.Plan, o UpOptions) (m *endpoints.Manifest, err error) {
	if o.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.Timeout)
		defer cancel()
		defer func() {
			if err != nil && errors.Is(err, context.DeadlineExceeded) {
				err = fmt.Errorf("not ready within %s: %w", o.TimeoutName, err)
			}
		}()
	}
	parent := ctx
	sink := o.Sink
	if sink == nil {
		sink = progress.Discard{}
	}
	stamped := &elapsedSink{sink, time.Now()}
	emit := func(server, phase, detail string) {
		stamped.Event(progress.Event{Server: server, Phase: phase, Detail: detail})
	}
	defer func() {
		if err == nil || o.KeepOnFailure {
			return
		}
		emit("", progress.PhaseRemove, "rolling back")
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), RollbackTimeout)
		defer cancel()
		if rerr := eng.Remove(rctx, RemoveOptions{Project: p.Project, Owner: o.Owner}); rerr != nil {
			err = errors.Join(err, fmt.Errorf("roll back: %w (once the engine answers, `testbed reap` or `testbed -p %s down` removes what is left)", rerr, p.Project))
		}
		emit("", progress.PhaseRemoved, "rolled back")
		switch cause := context.Cause(parent); {
		case parent.Err() == nil || errors.Is(err, probe.ErrNotReady):
		case errors.Is(cause, context.DeadlineExceeded):
			err = fmt.Errorf("%w (out of time; everything up had made was removed)", err)
		default:
			// Interrupted: say that, not which engine call was cut short.
			err = fmt.Errorf("up of %s stopped, %w; everything it had made was removed", p.Project, cause)
		}
	}()

	if err := eng.Prepare(ctx, p, stamped); err != nil {
		return nil, err
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var steps []*plan.Step
	states := map[string]*state{}
	completes := Completes(p)
	for _, st := range p.Steps() {
		states[st.Server.Name] = newState()
		if o.Running[st.Server.Name] {
			close(states[st.Server.Name].started)
			close(states[st.Server.Name].ready)
			close(states[st.Server.Name].completed)
			continue
		}
		steps = append(steps, st)
	}
	var insts []stepInstance
	m = &endpoints.Manifest{Project: p.Project, Driver: eng.Name(), Domain: p.Domain, CAFile: o.CAFile, Servers: map[string]*endpoints.Server{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var firstErr error
	fail := func(e error) {
		mu.Lock()
		// A server still waiting for its dependencies when time runs out
		// only echoes the one they waited on, whose error says more.
		if firstErr == nil || waitingForDependencies(firstErr) && !waitingForDependencies(e) {
			firstErr = e
		}
		mu.Unlock()
		cancel(e)
	}
	for _, st := range steps {
		wg.Add(1)
		go func(st *plan.Step) {
			defer wg.Done()
			ep, inst, err := runStep(ctx, eng, p, st, states, completes[st.Server.Name], o, emit)
			if inst != nil {
				mu.Lock()
				insts = append(insts, stepInstance{st, inst})
				mu.Unlock()
			}
			if err != nil {
				stamped.Event(progress.Event{Server: st.Server.Name, Phase: progress.PhaseFailed, Detail: failedLine(parent, ctx, err), Cause: err.Error()})
				fail(err)
				// Only now let dependents go, so that this error, not
				// theirs ("dependency failed"), is the one Up returns.
				close(states[st.Server.Name].failed)
				return
			}
			ep.Kind = st.Server.Builtin
			mu.Lock()
			m.Servers[st.Server.Name] = ep
			mu.Unlock()
		}(st)
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	if err := stillRunning(ctx, insts, completes); err != nil {
		return nil, err
	}
	return m, nil
}

// phaseDependencies is the phase of a server that never started: it was
// waiting for its dependencies.
const phaseDependencies = "dependencies"

// waitingForDependencies reports whether err is that of a server that
// never started, waiting for its dependencies.
func waitingForDependencies(err error) bool {
	var se *ServerError
	return errors.As(err, &se) && se.Phase == phaseDependencies
}

// stepInstance is a started server, for the check at the end of up.
type stepInstance struct {
	st   *plan.Step
	inst Instance
}

// stillRunning fails up when a server that is not declared to complete
// has ended by the time every server is ready: up never reports a dead
// server as up.
func stillRunning(ctx context.Context, insts []stepInstance, completes map[string]bool) error {
	sort.Slice(insts, func(i, j int) bool { return insts[i].st.Server.Name < insts[j].st.Server.Name })
	for _, si := range insts {
		if completes[si.st.Server.Name] || si.st.Probe != nil && si.st.Probe.AwaitsExit() {
			continue
		}
		select {
		case <-si.inst.Done():
			return exitError(ctx, si.st.Server.Name, si.inst, "run",
				fmt.Errorf("exited with status %d after it was ready, before up finished", si.inst.ExitCode()))
		default:
		}
	}
	return nil
}

// exitError is a ServerError for a server whose process ended, with the
// last lines of its output.
func exitError(ctx context.Context, name string, inst Instance, phase string, err error) *ServerError {
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	return &ServerError{Server: name, Phase: phase, Err: err, Log: inst.LogTail(lctx, LogTailLines)}
}

// Completes lists the servers of p that are declared to run to completion:
// a dependent waits for them with condition "completed"
// (service_completed_successfully). Unless their own probe awaits the exit
// (and so says what completion is), up waits for their end, which must
// have status 0, before it lets those dependents start. They, and servers
// whose probe awaits the exit (exited, alone or in all/any), may end
// before up finishes; every other server that does fails up.
func Completes(p *plan.Plan) map[string]bool {
	out := map[string]bool{}
	for _, st := range p.Steps() {
		for _, d := range st.Server.DependsOn {
			if d.Condition == spec.ConditionCompleted {
				out[d.Name] = true
			}
		}
	}
	return out
}

// state is what dependents wait on.
type state struct {
	started, ready chan struct{}
	completed      chan struct{} // the server ran to completion with status 0
	failed         chan struct{}
}

func newState() *state {
	return &state{started: make(chan struct{}), ready: make(chan struct{}), completed: make(chan struct{}), failed: make(chan struct{})}
}

func runStep(ctx context.Context, eng Engine, p *plan.Plan, st *plan.Step, states map[string]*state, completes bool, o UpOptions,
	emit func(server, phase, detail string)) (*endpoints.Server, Instance, error) {
	name := st.Server.Name
	me := states[name]
	for _, d := range st.Server.DependsOn {
		dep := states[d.Name]
		want := dep.ready
		switch d.Condition {
		case spec.ConditionStarted:
			want = dep.started
		case spec.ConditionCompleted:
			want = dep.completed
		}
		select {
		case <-want:
		case <-dep.failed:
			return nil, nil, &ServerError{Server: name, Phase: phaseDependencies, Err: fmt.Errorf("dependency %s failed", d.Name)}
		case <-ctx.Done():
			return nil, nil, &ServerError{Server: name, Phase: phaseDependencies, Err: fmt.Errorf("waiting for %s: %w", d.Name, context.Cause(ctx))}
		}
	}
	// An invalid probe fails before anything is made for the server.
	var pr probe.Probe
	if st.Probe != nil {
		var err error
		if pr, err = probe.FromSpec(st.Probe, probeTLS(o.ProbeTLS, st)); err != nil {
			return nil, nil, &ServerError{Server: name, Phase: "readiness", Err: err}
		}
	}
	var material *TLSMaterial
	if o.CA != nil {
		cert, key, err := o.CA.Issue(st.TLSNames...)
		if err != nil {
			return nil, nil, &ServerError{Server: name, Phase: "certificate", Err: err}
		}
		material = &TLSMaterial{CertPEM: cert, KeyPEM: key, ControlToken: o.ControlToken}
	}
	emit(name, progress.PhaseCreate, st.Container)
	trace := &StartTrace{Created: func() { emit(name, progress.PhaseStart, "") }}
	inst, err := eng.Start(WithStartTrace(ctx, trace), p, st, material)
	if err != nil {
		return nil, nil, &ServerError{Server: name, Phase: "start", Err: err}
	}
	close(me.started)
	emit(name, progress.PhaseWait, describeWait(st, completes))
	if err := await(ctx, st, pr, inst, completes); err != nil {
		se := &ServerError{Server: name, Phase: "readiness", Err: err}
		if ctx.Err() == nil || errors.Is(err, probe.ErrNotReady) {
			se = exitError(ctx, name, inst, se.Phase, err)
		}
		return nil, inst, se
	}
	ep, err := inst.Endpoint(ctx)
	if err != nil {
		return nil, inst, &ServerError{Server: name, Phase: "endpoints", Err: err}
	}
	// Said before dependents are let go, so "ready" precedes their "creating".
	emit(name, progress.PhaseReady, describeEndpoint(ep))
	close(me.ready)
	if completes {
		// A probe that does not await the exit passed while the server
		// runs: "completed" dependents wait for its end too. A probe that
		// awaits it (exited, or any: [tcp, exited]) is the user's word on
		// what completion is, and has passed.
		if st.Probe == nil || !st.Probe.AwaitsExit() {
			if err := awaitCompletion(ctx, st, inst); err != nil {
				return nil, inst, exitError(ctx, name, inst, "completion", err)
			}
		}
		close(me.completed)
	}
	return ep, inst, nil
}

// describeWait says what a server is waited for, for progress output.
func describeWait(st *plan.Step, completes bool) string {
	switch {
	case st.Probe != nil:
		return probe.Describe(st.Probe)
	case completes:
		return "run to completion"
	}
	return "keeps running for " + SettleTime.String()
}

// awaitCompletion waits, within the step's timeout, until the server's
// process ends, and fails unless its status is 0.
func awaitCompletion(ctx context.Context, st *plan.Step, inst Instance) error {
	timer := time.NewTimer(st.Timeout)
	defer timer.Stop()
	select {
	case <-inst.Done():
	case <-timer.C:
		return fmt.Errorf("%w: has not run to completion within %s", probe.ErrNotReady, st.Timeout)
	case <-ctx.Done():
		return context.Cause(ctx)
	}
	if code := inst.ExitCode(); code != 0 {
		return fmt.Errorf("exited with status %d; it must run to completion with status 0", code)
	}
	return nil
}

// await waits until pr, the step's probe, passes. The end of the server's
// process stops the wait at once, and fails it, unless the probe awaits
// that end (an exited probe, alone or within all/any): then a status 0
// gets one last check, which decides. With no probe, a server declared to
// complete must end with status 0, and any other must keep running for
// SettleTime.
func await(ctx context.Context, st *plan.Step, pr probe.Probe, inst Instance, completes bool) error {
	if pr == nil {
		if completes {
			return awaitCompletion(ctx, st, inst)
		}
		timer := time.NewTimer(SettleTime)
		defer timer.Stop()
		select {
		case <-inst.Done():
			return fmt.Errorf("exited with status %d before it was ready", inst.ExitCode())
		case <-timer.C:
			return nil
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
	wctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	exited := errors.New("exited")
	go func() {
		select {
		case <-inst.Done():
			cancel(exited)
		case <-wctx.Done():
		}
	}()
	_, err := probe.Wait(wctx, pr, inst, probe.WaitOptions{Timeout: st.Timeout})
	if err == nil || !errors.Is(context.Cause(wctx), exited) {
		// Passed is passed, even if the process ended just after.
		return err
	}
	code := inst.ExitCode()
	if code != 0 || !st.Probe.AwaitsExit() {
		return fmt.Errorf("exited with status %d before it was ready", code)
	}
	cctx, ccancel := context.WithTimeout(ctx, probe.DefaultAttempt)
	defer ccancel()
	if err := pr.Check(cctx, inst); err != nil {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		return fmt.Errorf("exited with status 0, but %s did not pass: %w", pr, err)
	}
	return nil
}

// probeTLS verifies a server's certificate for its host name, which the
// certificate always carries, whatever address the probe dials.
func probeTLS(base *tls.Config, st *plan.Step) *tls.Config {
	if base == nil {
		return nil
	}
	c := base.Clone()
	if c.ServerName == "" {
		c.ServerName = st.Hostname
	}
	return c
}

func describeEndpoint(ep *endpoints.Server) string {
	var parts []string
	for k, v := range ep.Ports {
		parts = append(parts, k+"="+v)
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

// failedLine is the display's one line for a server that failed: when up
// was interrupted, or another server failed first, that (not which engine
// call was cut short); else the first line of its own error.
func failedLine(parent, ctx context.Context, err error) string {
	switch cause := context.Cause(ctx); {
	case parent.Err() != nil && !errors.Is(context.Cause(parent), context.DeadlineExceeded):
		return "stopped: " + firstLine(context.Cause(parent).Error())
	case ctx.Err() != nil && cause != nil && cause != err && !errors.Is(cause, context.DeadlineExceeded):
		var se *ServerError
		if errors.As(cause, &se) && se.Server != "" {
			return "stopped: server " + se.Server + " failed"
		}
		return "stopped: another server failed"
	}
	return engineCall.ReplaceAllString(firstLine(err.Error()), "")
}

// engineCall is the Engine API request an engine client's error quotes
// ("error during connect: Post \"http://%2Fvar%2Frun%2Fdocker.sock/v1.41/
// containers/…/start\""): the engine's words, left to --verbose.
var engineCall = regexp.MustCompile(`(error during connect: )?[A-Za-z]+ "(http|https|unix|npipe)://[^"]*": `)

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// elapsedSink stamps events, up's own and its engine's, with the time and
// the time since up began.
type elapsedSink struct {
	next  progress.Sink
	start time.Time
}

func (e *elapsedSink) Event(ev progress.Event) {
	ev.Time = time.Now()
	ev.Elapsed = time.Since(e.start)
	e.next.Event(ev)
}
