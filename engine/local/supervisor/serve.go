package supervisor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/testbed-dev/testbed/catalog"
	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/engine"
	"github.com/testbed-dev/testbed/engine/local"
	"github.com/testbed-dev/testbed/lifecycle"
	"github.com/testbed-dev/testbed/owner"
	"github.com/testbed-dev/testbed/plan"
	"github.com/testbed-dev/testbed/progress"
	"github.com/testbed-dev/testbed/servers/control"
	"github.com/testbed-dev/testbed/servers/testca"
)

// ReadPlan reads the plan the driver left for a supervisor in dir.
func ReadPlan(dir string, cat *catalog.Catalog) (*plan.Plan, error) {
	b, err := os.ReadFile(filepath.Join(dir, PlanFile))
	if err != nil {
		return nil, fmt.Errorf("supervisor: %w", err)
	}
	return plan.Decode(b, cat)
}

// Defaults of Serve.
const (
	// WatchInterval is how often a supervisor checks that its record is
	// still there and still names it.
	WatchInterval = 2 * time.Second
	// RemoveTimeout bounds stopping the servers.
	RemoveTimeout = 10 * time.Second
)

// Options say what a supervisor runs.
type Options struct {
	Plan    *plan.Plan    // planned for the local driver (plan.Options.Container false)
	Dir     string        // the project's state directory
	Timeout time.Duration // bound of the whole up; 0 = each server's own probe timeout
	// Notify receives the one report (ready or failed) and is closed;
	// nil when nobody waits (see NotifyFromEnv).
	Notify io.WriteCloser
	Logger *slog.Logger  // the supervisor's own log; nil is quiet
	Sink   progress.Sink // up's progress; nil drops it
	// LogLevel is the level of the servers' logs.
	LogLevel slog.Level
	// Watch overrides WatchInterval (tests).
	Watch time.Duration
}

// Serve runs a supervisor: it brings o.Plan up on a local engine, records
// itself and the endpoints in o.Dir, reports to o.Notify, then serves until
// ctx ends (SIGTERM) or its record is removed or replaced, and finally stops
// every server and removes the record and endpoints.json. It returns the
// error of a failed up (also reported), or nil after a clean stop.
func Serve(ctx context.Context, o Options) (err error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	notify := o.Notify
	defer func() {
		if err != nil && notify != nil {
			_ = report(notify, message{Error: err.Error()})
		}
	}()
	p := o.Plan
	if err := os.MkdirAll(filepath.Join(o.Dir, LogDir), 0o700); err != nil {
		return fmt.Errorf("supervisor: %w", err)
	}
	lock, err := owner.TryLock(filepath.Join(o.Dir, LockFile))
	if err != nil {
		return fmt.Errorf("supervisor: %w", err)
	}
	defer lock.Unlock(true)
	self := owner.Self().WithLock(lock)
	rec := &Record{Lock: lock.Ident(), Project: p.Project, PID: self.PID, Owner: self.String(), Started: time.Now().UTC(), State: StateStarting, SpecHash: p.SpecHash, Hashes: map[string]string{}}
	for _, st := range p.Steps() {
		rec.Hashes[st.Server.Name] = st.Hash
	}
	if err := WriteRecord(o.Dir, rec); err != nil {
		return err
	}
	defer func() {
		// Whatever happens, the record and endpoints go with the servers.
		if cur, rerr := ReadRecord(o.Dir); rerr == nil && cur.Owner == rec.Owner {
			os.Remove(filepath.Join(o.Dir, RecordFile))
			os.Remove(filepath.Join(o.Dir, endpoints.FileName))
		}
	}()
	logs := &logFiles{dir: o.Dir}
	defer logs.close()
	eng := local.New(local.Options{Logger: log, LogLevel: o.LogLevel, ServerLog: logs.open})

	ca, err := testca.LoadOrCreate(o.Dir, "testbed "+p.Project+" test CA")
	if err != nil {
		return fmt.Errorf("project CA: %w", err)
	}
	m, err := engine.BringUp(ctx, eng, p, engine.UpOptions{
		Dir:         o.Dir,
		CA:          ca,
		Timeout:     o.Timeout,
		TimeoutName: "--timeout " + o.Timeout.String(),
		Sink:        o.Sink,
	})
	if err != nil {
		return err
	}
	stop := func() error {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), RemoveTimeout)
		defer cancel()
		return eng.Remove(rctx, lifecycle.RemoveOptions{Project: p.Project})
	}
	if err := endpoints.Write(o.Dir, m); err != nil {
		return errors.Join(err, stop())
	}
	ctl, err := net.Listen("tcp", net.JoinHostPort(local.Host, "0"))
	if err != nil {
		return errors.Join(fmt.Errorf("control channel: %w", err), stop())
	}
	ctlCtx, ctlStop := context.WithCancel(ctx)
	defer ctlStop()
	go control.Serve(ctlCtx, ctl, engine.ControlToken(ca), func(rctx context.Context) error { return eng.Reset(rctx, p.Project) }, log)
	rec.Control = ctl.Addr().String()
	rec.State = StateReady
	if err := WriteRecord(o.Dir, rec); err != nil {
		return errors.Join(err, stop())
	}
	log.Info("ready", "project", p.Project, "pid", rec.PID)
	if notify != nil {
		rerr := report(notify, message{Ready: m})
		notify = nil
		if rerr != nil {
			// Nobody heard that the servers are up: nobody will take them down.
			log.Error("report to the parent failed; stopping", "err", rerr)
			return errors.Join(fmt.Errorf("report ready: %w", rerr), stop())
		}
	}

	why := wait(ctx, o.Dir, rec.Owner, o.Watch)
	log.Info("stopping", "project", p.Project, "reason", why)
	if err := stop(); err != nil {
		log.Error("stop", "err", err)
		return err
	}
	log.Info("stopped", "project", p.Project)
	return nil
}

// wait returns when ctx ends or the record in dir stops naming this
// supervisor, and says which.
func wait(ctx context.Context, dir, me string, every time.Duration) string {
	if every <= 0 {
		every = WatchInterval
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return "signalled"
		case <-t.C:
			cur, err := ReadRecord(dir)
			if errors.Is(err, ErrNoSupervisor) {
				return "the state directory's record is gone"
			}
			if err == nil && cur.Owner != me {
				return "the record names another supervisor (" + cur.Owner + ")"
			}
		}
	}
}

// logFiles opens one append-only log file per server.
type logFiles struct {
	dir   string
	mu    sync.Mutex
	files []*os.File
}

func (l *logFiles) open(server string) io.Writer {
	f, err := os.OpenFile(ServerLog(l.dir, server), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil
	}
	l.mu.Lock()
	l.files = append(l.files, f)
	l.mu.Unlock()
	return f
}

func (l *logFiles) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, f := range l.files {
		f.Close()
	}
	l.files = nil
}

// MainOptions are what the hidden `supervise` command passes to Main.
type MainOptions struct {
	Dir     string        // the project's state directory, holding PlanFile
	Timeout time.Duration // bound of the whole up
	Logger  *slog.Logger
	// Sink is the supervisor's own progress output (its log); the events
	// also go, live, to the `up` that waits.
	Sink progress.Sink
}

// Main is a supervisor process: it reads the plan the driver left in
// o.Dir and serves it (Serve), reporting to the process that spawned it.
func Main(ctx context.Context, o MainOptions) (err error) {
	notify, err := NotifyFromEnv()
	if err != nil {
		return err
	}
	defer func() { ReportError(notify, err) }()
	p, err := ReadPlan(o.Dir, catalog.New())
	if err != nil {
		return err
	}
	n := notify
	notify = nil // Serve reports from here on
	sink := o.Sink
	if sink == nil {
		sink = progress.Discard{}
	}
	return Serve(ctx, Options{
		Plan: p, Dir: o.Dir, Timeout: o.Timeout, Notify: n, Logger: o.Logger,
		Sink: progress.Tee{sink, &NotifySink{W: n}},
	})
}
