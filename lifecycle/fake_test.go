package lifecycle_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/testbed-dev/testbed/catalog"
	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/lifecycle"
	"github.com/testbed-dev/testbed/plan"
	"github.com/testbed-dev/testbed/probe"
	"github.com/testbed-dev/testbed/progress"
	"github.com/testbed-dev/testbed/spec"
)

// never is a listenAfter that never comes.
const never = time.Duration(-1)

// behaviour is how one fake server acts once started.
type behaviour struct {
	listenAfter time.Duration // when it starts accepting connections; never = not at all
	exitAfter   time.Duration // > 0: its process ends then, with exitCode
	exitCode    int
	startErr    error  // Start fails with this
	log         string // its output
}

// fakeEngine runs "servers" that are real TCP listeners on 127.0.0.1:0,
// opened when a server's behaviour says, so the real probes check them.
type fakeEngine struct {
	behave map[string]behaviour

	mu       sync.Mutex
	started  map[string]time.Time
	listened map[string]time.Time
	exited   map[string]time.Time
	removes  []lifecycle.RemoveOptions
	liveCtx  []bool // per Remove: whether its ctx was still live
	insts    []*fakeInstance
}

var _ lifecycle.Engine = (*fakeEngine)(nil)

func newFakeEngine(t *testing.T, behave map[string]behaviour) *fakeEngine {
	e := &fakeEngine{behave: behave, started: map[string]time.Time{}, listened: map[string]time.Time{}, exited: map[string]time.Time{}}
	t.Cleanup(e.closeAll)
	return e
}

func (e *fakeEngine) Name() string { return "fake" }

func (e *fakeEngine) Prepare(ctx context.Context, p *plan.Plan, sink progress.Sink) error {
	sink.Event(progress.Event{Phase: progress.PhaseNetwork, Detail: "network " + p.Network})
	return ctx.Err()
}

func (e *fakeEngine) Start(ctx context.Context, p *plan.Plan, st *plan.Step, _ *lifecycle.TLSMaterial) (lifecycle.Instance, error) {
	name := st.Server.Name
	b := e.behave[name]
	e.mu.Lock()
	e.started[name] = time.Now()
	e.mu.Unlock()
	if b.startErr != nil {
		return nil, b.startErr
	}
	in := &fakeInstance{e: e, name: name, b: b, done: make(chan struct{}), stop: make(chan struct{})}
	e.mu.Lock()
	e.insts = append(e.insts, in)
	e.mu.Unlock()
	in.run()
	return in, nil
}

func (e *fakeEngine) Remove(ctx context.Context, o lifecycle.RemoveOptions) error {
	e.mu.Lock()
	e.removes = append(e.removes, o)
	e.liveCtx = append(e.liveCtx, ctx.Err() == nil)
	e.mu.Unlock()
	e.closeAll()
	return nil
}

func (e *fakeEngine) closeAll() {
	e.mu.Lock()
	insts := append([]*fakeInstance(nil), e.insts...)
	e.mu.Unlock()
	for _, in := range insts {
		in.close()
	}
}

func (e *fakeEngine) mark(m map[string]time.Time, name string) {
	e.mu.Lock()
	m[name] = time.Now()
	e.mu.Unlock()
}

// at returns when something happened to name (zero: it did not).
func (e *fakeEngine) at(m map[string]time.Time, name string) time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return m[name]
}

func (e *fakeEngine) removeCalls() ([]lifecycle.RemoveOptions, []bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]lifecycle.RemoveOptions(nil), e.removes...), append([]bool(nil), e.liveCtx...)
}

// fakeInstance is one started fake server.
type fakeInstance struct {
	e    *fakeEngine
	name string
	b    behaviour

	mu    sync.Mutex
	ln    net.Listener
	conns []net.Conn
	code  int
	done  chan struct{} // closed when the "process" exits
	stop  chan struct{} // closed by close
	once  sync.Once
	wg    sync.WaitGroup
}

var (
	_ lifecycle.Instance = (*fakeInstance)(nil)
	_ probe.LogReader    = (*fakeInstance)(nil)
)

func (in *fakeInstance) run() {
	if in.b.listenAfter != never {
		in.wg.Add(1)
		go func() {
			defer in.wg.Done()
			timer := time.NewTimer(in.b.listenAfter)
			defer timer.Stop()
			select {
			case <-timer.C:
			case <-in.stop:
				return
			}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				return
			}
			in.mu.Lock()
			select {
			case <-in.stop:
				in.mu.Unlock()
				ln.Close()
				return
			default:
			}
			in.ln = ln
			in.mu.Unlock()
			in.e.mark(in.e.listened, in.name)
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				// Hold the connection like a real server until the client
				// (or close) ends it: a connection closed at once is what
				// an engine's port proxy does with nothing behind it.
				if !in.track(c) {
					return
				}
				in.wg.Add(1)
				go func() {
					defer in.wg.Done()
					io.Copy(io.Discard, c)
					c.Close()
				}()
			}
		}()
	}
	if in.b.exitAfter > 0 {
		in.wg.Add(1)
		go func() {
			defer in.wg.Done()
			timer := time.NewTimer(in.b.exitAfter)
			defer timer.Stop()
			select {
			case <-timer.C:
				in.mu.Lock()
				in.code = in.b.exitCode
				if in.ln != nil {
					in.ln.Close()
				}
				in.mu.Unlock()
				in.e.mark(in.e.exited, in.name)
				close(in.done)
			case <-in.stop:
			}
		}()
	}
}

// track remembers an accepted connection; false (and closed) once stopped.
func (in *fakeInstance) track(c net.Conn) bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	select {
	case <-in.stop:
		c.Close()
		return false
	default:
	}
	in.conns = append(in.conns, c)
	return true
}

// close stops the server and waits for its goroutines.
func (in *fakeInstance) close() {
	in.once.Do(func() {
		in.mu.Lock()
		close(in.stop)
		if in.ln != nil {
			in.ln.Close()
		}
		for _, c := range in.conns {
			c.Close()
		}
		in.mu.Unlock()
	})
	in.wg.Wait()
}

// Addr implements probe.Target: every container port is the one listener.
func (in *fakeInstance) Addr(port int, proto string) (string, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.ln == nil {
		return "", fmt.Errorf("%s: not listening yet", in.name)
	}
	return in.ln.Addr().String(), nil
}

func (in *fakeInstance) Endpoint(ctx context.Context) (*endpoints.Server, error) {
	addr, err := in.Addr(80, "tcp")
	if err != nil {
		addr = ""
	}
	return &endpoints.Server{Hostname: in.name + ".testbed.test", Ports: map[string]string{"80/tcp": addr}}, nil
}

func (in *fakeInstance) Done() <-chan struct{} { return in.done }

func (in *fakeInstance) ExitCode() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.code
}

func (in *fakeInstance) LogTail(ctx context.Context, n int) string { return in.b.log }

// Logs implements probe.LogReader: the output is there from the start.
func (in *fakeInstance) Logs(ctx context.Context) ([]byte, error) { return []byte(in.b.log), nil }

// Exited implements probe.ExitReporter, as the engines do: from Done and ExitCode.
func (in *fakeInstance) Exited(ctx context.Context) (bool, int, error) {
	select {
	case <-in.done:
		return true, in.ExitCode(), nil
	default:
		return false, 0, nil
	}
}

// testOwner is the owner label the tests' runs carry.
const testOwner = "testhost/4242/99"

// newPlan plans a native spec for project "lc".
func newPlan(t *testing.T, yaml string) *plan.Plan {
	t.Helper()
	tb, err := spec.Parse([]byte(yaml), "test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cat := catalog.New()
	if err := tb.Validate(catalog.SpecKinds(cat)); err != nil {
		t.Fatal(err)
	}
	p, err := plan.New(tb, cat, plan.Options{Project: "lc", Owner: testOwner, Container: true})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// checkGoroutines fails the test when, after its cleanups, more goroutines
// run than before it began. Call it first, so its check runs last.
func checkGoroutines(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for runtime.NumGoroutine() > before {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				n := runtime.Stack(buf, true)
				t.Errorf("goroutines = %d after the test, want <= %d\n%s", runtime.NumGoroutine(), before, buf[:n])
				return
			}
			<-tick.C
		}
	})
}

// sinkFunc is a progress.Sink made of a function.
type sinkFunc func(progress.Event)

func (f sinkFunc) Event(ev progress.Event) { f(ev) }

// order lists "server phase" for the events of rec, in order.
func order(rec *progress.Recorder) []string {
	var out []string
	for _, ev := range rec.Events {
		if ev.Server != "" {
			out = append(out, ev.Server+" "+ev.Phase)
		}
	}
	return out
}

func index(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

func asServerError(t *testing.T, err error) *lifecycle.ServerError {
	t.Helper()
	var se *lifecycle.ServerError
	if !errors.As(err, &se) {
		t.Fatalf("Up() error = %v (%T), want a *ServerError", err, err)
	}
	return se
}

func mustContain(t *testing.T, what, s string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(s, w) {
			t.Errorf("%s = %q, want it to contain %q", what, s, w)
		}
	}
}
