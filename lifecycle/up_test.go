package lifecycle_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/testbed-dev/testbed/lifecycle"
	"github.com/testbed-dev/testbed/probe"
	"github.com/testbed-dev/testbed/progress"
)

// The fake engine's servers are real listeners and the probes are the real
// ones; none of these tests runs in parallel, so the goroutine count of
// each is its own.

// A dependent starts only after its dependency is ready; one that depends
// on "started" starts as soon as the dependency's Start returned.
func TestUpDependencyOrder(t *testing.T) {
	checkGoroutines(t)
	p := newPlan(t, `
servers:
  db:   {image: x, ports: [80], timeout: 5s}
  app:  {image: x, ports: [80], timeout: 5s, depends_on: [db]}
  side: {image: x, ports: [80], timeout: 5s, depends_on: {db: {condition: started}}}
`)
	e := newFakeEngine(t, map[string]behaviour{"db": {listenAfter: 200 * time.Millisecond}})
	rec := &progress.Recorder{}
	m, err := lifecycle.Up(context.Background(), e, p, lifecycle.UpOptions{Sink: rec, Owner: testOwner})
	if err != nil {
		t.Fatalf("Up() = %v", err)
	}
	if len(m.Servers) != 3 || m.Project != "lc" || m.Driver != "fake" {
		t.Errorf("manifest = project %s driver %s, %d servers; want lc, fake, 3", m.Project, m.Driver, len(m.Servers))
	}
	dbReady := e.at(e.listened, "db")
	if app := e.at(e.started, "app"); app.Before(dbReady) {
		t.Errorf("app started %s before db listened", dbReady.Sub(app))
	}
	if side := e.at(e.started, "side"); !side.Before(dbReady) {
		t.Errorf("side (condition started) started %s after db listened, want before", side.Sub(dbReady))
	}
	ev := order(rec)
	if i, j := index(ev, "db ready"), index(ev, "app creating"); i < 0 || j < 0 || j < i {
		t.Errorf("events = %v, want db ready before app creating", ev)
	}
	if i, j := index(ev, "side creating"), index(ev, "db ready"); i < 0 || i > j {
		t.Errorf("events = %v, want side creating before db ready", ev)
	}
	if calls, _ := e.removeCalls(); len(calls) != 0 {
		t.Errorf("a successful Up called Remove %v", calls)
	}
}

// Independent servers start together: three servers that each take 300ms
// to listen are all ready in well under 900ms.
func TestUpIndependentServersInParallel(t *testing.T) {
	checkGoroutines(t)
	p := newPlan(t, `
servers:
  a: {image: x, ports: [80], timeout: 5s}
  b: {image: x, ports: [80], timeout: 5s}
  c: {image: x, ports: [80], timeout: 5s}
`)
	slow := behaviour{listenAfter: 300 * time.Millisecond}
	e := newFakeEngine(t, map[string]behaviour{"a": slow, "b": slow, "c": slow})
	start := time.Now()
	if _, err := lifecycle.Up(context.Background(), e, p, lifecycle.UpOptions{Owner: testOwner}); err != nil {
		t.Fatalf("Up() = %v", err)
	}
	took := time.Since(start)
	if took >= 800*time.Millisecond {
		t.Errorf("Up() took %s, want < 800ms for three 300ms servers started together", took)
	}
	var lastStart, firstListen time.Time
	for _, s := range []string{"a", "b", "c"} {
		if st := e.at(e.started, s); st.After(lastStart) {
			lastStart = st
		}
		if l := e.at(e.listened, s); firstListen.IsZero() || l.Before(firstListen) {
			firstListen = l
		}
	}
	if !lastStart.Before(firstListen) {
		t.Errorf("the last server started %s after the first listened; want every start first", lastStart.Sub(firstListen))
	}
}

// A server that never becomes ready fails Up with its name, the phase, the
// timeout and its log; Up removes the project, only what this run made.
func TestUpFailureRollsBack(t *testing.T) {
	checkGoroutines(t)
	p := newPlan(t, `
servers:
  ok:  {image: x, ports: [80]}
  bad: {image: x, ports: [80], timeout: 300ms}
  dep: {image: x, ports: [80], depends_on: [bad]}
`)
	e := newFakeEngine(t, map[string]behaviour{"bad": {listenAfter: never, log: "bad-is-alive\n"}})
	rec := &progress.Recorder{}
	start := time.Now()
	m, err := lifecycle.Up(context.Background(), e, p, lifecycle.UpOptions{Sink: rec, Owner: testOwner})
	if err == nil {
		t.Fatalf("Up() = %v, nil; want an error", m)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("Up() took %s to fail with a 300ms timeout", took)
	}
	se := asServerError(t, err)
	if se.Server != "bad" || se.Phase != "readiness" || !errors.Is(err, probe.ErrNotReady) {
		t.Errorf("Up() error = server %q phase %q (%v); want bad, readiness, ErrNotReady", se.Server, se.Phase, err)
	}
	mustContain(t, "error", err.Error(), "server bad", "not ready", "bad-is-alive")
	calls, live := e.removeCalls()
	want := []lifecycle.RemoveOptions{{Project: "lc", Owner: testOwner}}
	if !reflect.DeepEqual(calls, want) || !live[0] {
		t.Errorf("Remove calls = %+v (live ctx %v), want %+v with a live ctx", calls, live, want)
	}
	if !e.at(e.started, "dep").IsZero() {
		t.Errorf("dep started although its dependency failed")
	}
	ev := order(rec)
	if index(ev, "bad failed") < 0 {
		t.Errorf("events = %v, want bad failed", ev)
	}
}

// KeepOnFailure leaves what a failed Up made.
func TestUpKeepOnFailure(t *testing.T) {
	checkGoroutines(t)
	p := newPlan(t, `
servers:
  ok:  {image: x, ports: [80]}
  bad: {image: x, ports: [80], timeout: 200ms}
`)
	e := newFakeEngine(t, map[string]behaviour{"bad": {listenAfter: never}})
	_, err := lifecycle.Up(context.Background(), e, p, lifecycle.UpOptions{Owner: testOwner, KeepOnFailure: true})
	if se := asServerError(t, err); se.Server != "bad" {
		t.Errorf("Up() failed on %s, want bad", se.Server)
	}
	if calls, _ := e.removeCalls(); len(calls) != 0 {
		t.Errorf("Remove calls = %+v with KeepOnFailure, want none", calls)
	}
}

// A Start error is a ServerError in the start phase, and rolls back.
func TestUpStartError(t *testing.T) {
	checkGoroutines(t)
	p := newPlan(t, `
servers:
  ok:  {image: x, ports: [80]}
  bad: {image: x, ports: [80]}
`)
	boom := errors.New("engine said no")
	e := newFakeEngine(t, map[string]behaviour{"bad": {startErr: boom}})
	_, err := lifecycle.Up(context.Background(), e, p, lifecycle.UpOptions{Owner: testOwner})
	se := asServerError(t, err)
	if se.Server != "bad" || se.Phase != "start" || !errors.Is(err, boom) {
		t.Errorf("Up() error = %v; want server bad, phase start, wrapping %v", err, boom)
	}
	if calls, _ := e.removeCalls(); len(calls) != 1 {
		t.Errorf("Remove calls = %+v, want one", calls)
	}
}

// A server whose process exits while it is waited on fails at once, with
// its exit status and the tail of its log, long before its timeout.
func TestUpExitWhileWaiting(t *testing.T) {
	checkGoroutines(t)
	p := newPlan(t, `
servers:
  crash: {image: x, ports: [80], timeout: 30s}
`)
	e := newFakeEngine(t, map[string]behaviour{"crash": {listenAfter: never, exitAfter: 50 * time.Millisecond, exitCode: 3, log: "boom-before-exit\n"}})
	start := time.Now()
	_, err := lifecycle.Up(context.Background(), e, p, lifecycle.UpOptions{Owner: testOwner})
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Up() took %s; the exit was not noticed at once", took)
	}
	se := asServerError(t, err)
	if se.Server != "crash" || se.Phase != "readiness" {
		t.Errorf("Up() error = %v, want crash in readiness", err)
	}
	mustContain(t, "error", err.Error(), "status 3")
	mustContain(t, "log tail", se.Log, "boom-before-exit")
	if calls, _ := e.removeCalls(); len(calls) != 1 {
		t.Errorf("Remove calls = %+v, want one", calls)
	}
}

// Cancelling the context while a server is waited on stops Up at once with
// the cause, and rolls back with a context that is still live.
func TestUpCancelDuringWait(t *testing.T) {
	checkGoroutines(t)
	p := newPlan(t, `
servers:
  ok:   {image: x, ports: [80]}
  slow: {image: x, ports: [80], timeout: 30s}
`)
	e := newFakeEngine(t, map[string]behaviour{"slow": {listenAfter: never}})
	interrupted := errors.New("interrupted by test")
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	sink := sinkFunc(func(ev progress.Event) {
		if ev.Server == "slow" && ev.Phase == progress.PhaseWait {
			cancel(interrupted)
		}
	})
	start := time.Now()
	_, err := lifecycle.Up(ctx, e, p, lifecycle.UpOptions{Sink: sink, Owner: testOwner})
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Up() took %s to stop after the cancel", took)
	}
	if err == nil || !errors.Is(err, interrupted) {
		t.Fatalf("Up() = %v, want an error wrapping the cause %v", err, interrupted)
	}
	mustContain(t, "error", err.Error(), "stopped", "removed")
	calls, live := e.removeCalls()
	if len(calls) != 1 || calls[0].Owner != testOwner || !live[0] {
		t.Errorf("Remove calls = %+v (live ctx %v), want one for owner %s with a live ctx", calls, live, testOwner)
	}
}

// A context cancelled before Up begins: nothing is started, and what
// Prepare made is removed.
func TestUpCancelledBeforeStart(t *testing.T) {
	checkGoroutines(t)
	p := newPlan(t, `
servers:
  a: {image: x, ports: [80]}
`)
	e := newFakeEngine(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := lifecycle.Up(ctx, e, p, lifecycle.UpOptions{Owner: testOwner})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Up() = %v, want context.Canceled", err)
	}
	if !e.at(e.started, "a").IsZero() {
		t.Errorf("a server started under a cancelled context")
	}
	if calls, _ := e.removeCalls(); len(calls) != 1 {
		t.Errorf("Remove calls = %+v, want one", calls)
	}
}

// exited: true — ready when the process ends with status 0 (and only then
// do "completed" dependents start); a non-zero status fails at once; a
// process that keeps running fails at the timeout.
func TestUpExitedProbe(t *testing.T) {
	t.Run("status 0", func(t *testing.T) {
		checkGoroutines(t)
		p := newPlan(t, `
servers:
  job:  {image: x, ready: {exited: true}, timeout: 5s}
  next: {image: x, ports: [80], timeout: 5s, depends_on: {job: {condition: completed}}}
`)
		e := newFakeEngine(t, map[string]behaviour{"job": {listenAfter: never, exitAfter: 100 * time.Millisecond}})
		m, err := lifecycle.Up(context.Background(), e, p, lifecycle.UpOptions{Owner: testOwner})
		if err != nil {
			t.Fatalf("Up() = %v", err)
		}
		if _, ok := m.Servers["job"]; !ok {
			t.Errorf("manifest lacks the completed job")
		}
		if next, done := e.at(e.started, "next"), e.at(e.exited, "job"); next.Before(done) {
			t.Errorf("next started %s before job completed", done.Sub(next))
		}
	})
	t.Run("status 2", func(t *testing.T) {
		checkGoroutines(t)
		p := newPlan(t, `
servers:
  job: {image: x, ready: {exited: true}, timeout: 30s}
`)
		e := newFakeEngine(t, map[string]behaviour{"job": {listenAfter: never, exitAfter: 50 * time.Millisecond, exitCode: 2}})
		start := time.Now()
		_, err := lifecycle.Up(context.Background(), e, p, lifecycle.UpOptions{Owner: testOwner})
		if se := asServerError(t, err); se.Server != "job" || !strings.Contains(err.Error(), "exited with status 2") {
			t.Errorf("Up() = %v, want job exited with status 2", err)
		}
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("Up() took %s; the failed exit was not noticed at once", took)
		}
	})
	t.Run("still running", func(t *testing.T) {
		checkGoroutines(t)
		p := newPlan(t, `
servers:
  job: {image: x, ready: {exited: true}, timeout: 200ms}
`)
		e := newFakeEngine(t, map[string]behaviour{"job": {listenAfter: never}})
		_, err := lifecycle.Up(context.Background(), e, p, lifecycle.UpOptions{Owner: testOwner})
		if !errors.Is(err, probe.ErrNotReady) || !strings.Contains(err.Error(), "has not run to completion") {
			t.Errorf("Up() = %v, want ErrNotReady: has not run to completion", err)
		}
	})
}

// exited within all: or any: is an answer too: all: [exited] acts as
// exited; any: [tcp 80, exited] passes on whichever comes first; a non-zero
// status fails at once; all: [log, exited] needs the line in the output of
// a job that ran to completion. A "completed" dependent starts after the
// exit.
func TestUpNestedExitedProbe(t *testing.T) {
	const soon = 50 * time.Millisecond
	tests := []struct {
		name  string
		ready string
		b     behaviour
		want  string // "" = Up succeeds; else part of its error
	}{
		{"all exited, status 0", "{all: [{exited: true}]}", behaviour{listenAfter: never, exitAfter: soon}, ""},
		{"all exited, status 2", "{all: [{exited: true}]}", behaviour{listenAfter: never, exitAfter: soon, exitCode: 2}, "exited with status 2"},
		{"all exited, still running", "{all: [{exited: true}]}", behaviour{listenAfter: never}, "has not run to completion"},
		{"any, tcp first", "{any: [{tcp: 80}, {exited: true}]}", behaviour{}, ""},
		{"any, exit first", "{any: [{tcp: 80}, {exited: true}]}", behaviour{listenAfter: never, exitAfter: soon}, ""},
		{"any, exit 3", "{any: [{tcp: 80}, {exited: true}]}", behaviour{listenAfter: never, exitAfter: soon, exitCode: 3}, "exited with status 3"},
		{"nested any", "{all: [{any: [{tcp: 80}, {exited: true}]}, {log: done}]}", behaviour{listenAfter: never, exitAfter: soon, log: "done\n"}, ""},
		{"all log and exited", "{all: [{log: done}, {exited: true}]}", behaviour{listenAfter: never, exitAfter: soon, log: "done\n"}, ""},
		{"all log missing", "{all: [{log: done}, {exited: true}]}", behaviour{listenAfter: never, exitAfter: soon, log: "oops\n"},
			"exited with status 0, but all(log done, exited) did not pass: all: 1 of 2 not ready: log done"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkGoroutines(t)
			// A server that exits is answered at once: with a readiness
			// timeout far beyond the test's own deadline, a wait that ran
			// on would end in that deadline's error, not the wanted one.
			timeout := "10m"
			if strings.Contains(tt.want, "completion") {
				timeout = "200ms"
			}
			p := newPlan(t, `
servers:
  job:  {image: x, ready: `+tt.ready+`, timeout: `+timeout+`}
  next: {image: x, ports: [80], timeout: 5s, depends_on: {job: {condition: completed}}}
`)
			e := newFakeEngine(t, map[string]behaviour{"job": tt.b})
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			m, err := lifecycle.Up(ctx, e, p, lifecycle.UpOptions{Owner: testOwner})
			if tt.want != "" {
				if se := asServerError(t, err); se.Server != "job" || se.Phase != "readiness" || !strings.Contains(err.Error(), tt.want) {
					t.Errorf("Up() = %v, want job failing readiness with %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("Up() = %v", err)
			}
			if _, ok := m.Servers["job"]; !ok {
				t.Errorf("manifest lacks job")
			}
			if tt.b.exitAfter > 0 {
				if next, done := e.at(e.started, "next"), e.at(e.exited, "job"); next.Before(done) {
					t.Errorf("next started %s before job completed", done.Sub(next))
				}
			} else if !e.at(e.exited, "job").IsZero() {
				t.Errorf("job exited, want it running (ready by tcp)")
			}
		})
	}
}

// The waiting event shows the probe in the probe's own words, as the
// plan's text and readiness errors do.
func TestUpWaitEventDescribesProbe(t *testing.T) {
	checkGoroutines(t)
	p := newPlan(t, `
servers:
  job: {image: x, ready: {any: [{tcp: 80}, {health: true}, {exited: true}]}, timeout: 5s}
`)
	e := newFakeEngine(t, nil)
	rec := &progress.Recorder{}
	if _, err := lifecycle.Up(context.Background(), e, p, lifecycle.UpOptions{Sink: rec, Owner: testOwner}); err != nil {
		t.Fatalf("Up() = %v", err)
	}
	want := probe.Describe(p.Step("job").Probe)
	if want != "any(tcp 80, health, exited)" {
		t.Errorf("probe.Describe() = %q", want)
	}
	for _, ev := range rec.Events {
		if ev.Server == "job" && ev.Phase == progress.PhaseWait {
			if ev.Detail != want {
				t.Errorf("waiting event detail = %q, want %q", ev.Detail, want)
			}
			return
		}
	}
	t.Errorf("no waiting event for job in %v", order(rec))
}

// A server with no probe (no ports, no healthcheck) that exits at once is
// not ready: up fails naming it, its status and its log tail. One that is
// declared to complete (a "completed" dependent) succeeds by exiting 0,
// and its dependent starts only after that.
func TestUpNoProbeExit(t *testing.T) {
	t.Run("crash", func(t *testing.T) {
		checkGoroutines(t)
		p := newPlan(t, `
servers:
  crash: {image: x, timeout: 30s}
`)
		e := newFakeEngine(t, map[string]behaviour{"crash": {listenAfter: never, exitAfter: time.Millisecond, exitCode: 111, log: "cannot start\n"}})
		_, err := lifecycle.Up(context.Background(), e, p, lifecycle.UpOptions{Owner: testOwner})
		se := asServerError(t, err)
		if se.Server != "crash" {
			t.Errorf("Up() error = %v, want server crash", err)
		}
		mustContain(t, "error", err.Error(), "status 111")
		mustContain(t, "log tail", se.Log, "cannot start")
		if calls, _ := e.removeCalls(); len(calls) != 1 {
			t.Errorf("Remove calls = %+v, want one", calls)
		}
	})
	t.Run("runs on", func(t *testing.T) {
		checkGoroutines(t)
		p := newPlan(t, `
servers:
  quiet: {image: x, timeout: 30s}
`)
		e := newFakeEngine(t, map[string]behaviour{"quiet": {listenAfter: never}})
		if _, err := lifecycle.Up(context.Background(), e, p, lifecycle.UpOptions{Owner: testOwner}); err != nil {
			t.Fatalf("Up() = %v", err)
		}
	})
	t.Run("declared to complete", func(t *testing.T) {
		checkGoroutines(t)
		p := newPlan(t, `
servers:
  init: {image: x, timeout: 5s}
  app:  {image: x, timeout: 5s, depends_on: {init: {condition: completed}}}
`)
		e := newFakeEngine(t, map[string]behaviour{"init": {listenAfter: never, exitAfter: 100 * time.Millisecond}, "app": {listenAfter: never}})
		if _, err := lifecycle.Up(context.Background(), e, p, lifecycle.UpOptions{Owner: testOwner}); err != nil {
			t.Fatalf("Up() = %v", err)
		}
		if app, done := e.at(e.started, "app"), e.at(e.exited, "init"); app.Before(done) {
			t.Errorf("app started %s before init completed", done.Sub(app))
		}
	})
	t.Run("declared to complete, status 4", func(t *testing.T) {
		checkGoroutines(t)
		p := newPlan(t, `
servers:
  init: {image: x, timeout: 5s}
  app:  {image: x, timeout: 5s, depends_on: {init: {condition: completed}}}
`)
		e := newFakeEngine(t, map[string]behaviour{"init": {listenAfter: never, exitAfter: time.Millisecond, exitCode: 4, log: "bad init\n"}})
		_, err := lifecycle.Up(context.Background(), e, p, lifecycle.UpOptions{Owner: testOwner})
		se := asServerError(t, err)
		if se.Server != "init" || !strings.Contains(err.Error(), "status 4") || !strings.Contains(se.Log, "bad init") {
			t.Errorf("Up() = %v (log %q), want init with status 4 and its log", err, se.Log)
		}
		if !e.at(e.started, "app").IsZero() {
			t.Errorf("app started although init failed")
		}
	})
	t.Run("probe passes, then completes", func(t *testing.T) {
		checkGoroutines(t)
		p := newPlan(t, `
servers:
  seed: {image: x, ports: [80], timeout: 5s}
  app:  {image: x, timeout: 5s, depends_on: {seed: {condition: completed}}}
`)
		e := newFakeEngine(t, map[string]behaviour{"seed": {exitAfter: 300 * time.Millisecond}, "app": {listenAfter: never}})
		if _, err := lifecycle.Up(context.Background(), e, p, lifecycle.UpOptions{Owner: testOwner}); err != nil {
			t.Fatalf("Up() = %v", err)
		}
		if app, done := e.at(e.started, "app"), e.at(e.exited, "seed"); app.Before(done) {
			t.Errorf("app started %s before seed completed", done.Sub(app))
		}
	})
	t.Run("dies after ready", func(t *testing.T) {
		checkGoroutines(t)
		p := newPlan(t, `
servers:
  flaky: {image: x, ports: [80], timeout: 5s}
  slow:  {image: x, ports: [80], timeout: 5s}
`)
		e := newFakeEngine(t, map[string]behaviour{"flaky": {exitAfter: 100 * time.Millisecond, exitCode: 9}, "slow": {listenAfter: 600 * time.Millisecond}})
		_, err := lifecycle.Up(context.Background(), e, p, lifecycle.UpOptions{Owner: testOwner})
		if se := asServerError(t, err); se.Server != "flaky" || !strings.Contains(err.Error(), "status 9") {
			t.Errorf("Up() = %v, want flaky exited with status 9", err)
		}
	})
}

// When time runs out, the error is that of the server being waited on,
// not of a dependent that was only waiting for it (whose error would
// say nothing but that time ran out).
func TestUpTimeoutNamesTheServerWaitedOn(t *testing.T) {
	checkGoroutines(t)
	p := newPlan(t, `
servers:
  slow: {image: x, ports: [80], timeout: 30s}
  a: {image: x, ports: [80], depends_on: [slow]}
  b: {image: x, ports: [80], depends_on: [slow]}
`)
	for range 10 {
		e := newFakeEngine(t, map[string]behaviour{"slow": {listenAfter: never}})
		_, err := lifecycle.Up(context.Background(), e, p, lifecycle.UpOptions{Owner: testOwner, Timeout: 200 * time.Millisecond})
		if se := asServerError(t, err); se.Server != "slow" || se.Phase != "readiness" {
			t.Fatalf("Up() = %v, want the error of slow in readiness", err)
		}
	}
}
