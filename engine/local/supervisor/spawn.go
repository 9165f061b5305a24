package supervisor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/progress"
)

// StopGrace is how long a supervisor may take to stop its servers after
// SIGTERM before it is killed.
const StopGrace = 10 * time.Second

// SpawnOptions say how to start a supervisor.
type SpawnOptions struct {
	Binary string   // a testbed executable (see Executable)
	Args   []string // its arguments: global flags, then the supervise command
	Dir    string   // the project's state directory; supervisor.log is made there
	Env    []string // the supervisor's environment; nil = this process's
	// Timeout bounds the wait for the supervisor's report; 0 = only ctx.
	// The supervisor applies its own readiness deadlines: this is a guard.
	Timeout time.Duration
	// Sink receives the supervisor's progress events as they happen; nil
	// drops them.
	Sink progress.Sink
}

// Spawn starts a detached supervisor (its own session, no terminal, output
// to Dir/supervisor.log) and waits until it reports. It returns the
// endpoints when the supervisor is ready; when the supervisor fails or exits
// first, the error carries its report or the end of its log. When ctx ends
// first the supervisor is stopped before Spawn returns.
func Spawn(ctx context.Context, o SpawnOptions) (*endpoints.Manifest, error) {
	if runtime.GOOS == "windows" {
		// The supervisor reports on an inherited pipe (fd 3), which
		// Windows processes cannot be given.
		return nil, errors.New("the local driver's background supervisor (testbed up) needs Linux or macOS; on Windows use `testbed --driver local run -- ARGV`, the Go library, or the docker driver")
	}
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("start supervisor: %w", err)
	}
	logPath := filepath.Join(o.Dir, LogFile)
	logf, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("start supervisor: %w", err)
	}
	defer logf.Close()
	pr, pw, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("start supervisor: %w", err)
	}
	defer pr.Close()
	env := o.Env
	if env == nil {
		env = os.Environ()
	}
	cmd := exec.Command(o.Binary, o.Args...)
	cmd.Env = append(env[:len(env):len(env)], NotifyEnv+"=3")
	cmd.Stdout, cmd.Stderr = logf, logf // stdin: /dev/null
	cmd.ExtraFiles = []*os.File{pw}     // fd 3
	cmd.SysProcAttr = Detached()
	err = cmd.Start()
	pw.Close() // the supervisor holds the only write end now
	if err != nil {
		return nil, fmt.Errorf("start supervisor %s: %w", o.Binary, err)
	}
	// Reap the supervisor whenever it exits, so that a long-lived caller
	// (a test binary) leaves no zombie behind; a short-lived one exits
	// first and the supervisor is re-parented.
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	reports := make(chan message, 1)
	readErr := make(chan error, 1)
	go func() {
		m, err := readReport(pr, o.Sink)
		if err != nil {
			readErr <- err
			return
		}
		reports <- m
	}()
	var timeout <-chan time.Time
	if o.Timeout > 0 {
		t := time.NewTimer(o.Timeout)
		defer t.Stop()
		timeout = t.C
	}
	fail := func(err error) (*endpoints.Manifest, error) {
		stopChild(cmd, exited)
		return nil, err
	}
	select {
	case m := <-reports:
		if m.Error != "" {
			<-exited // it rolls back, then exits
			return nil, errors.New(m.Error)
		}
		return m.Ready, nil
	case err := <-readErr:
		// The pipe closed without a report: the supervisor died.
		werr := <-exited
		return nil, fmt.Errorf("supervisor exited before it was ready (%v; read: %v)%s", werr, err, logTail(logPath))
	case <-timeout:
		return fail(fmt.Errorf("supervisor did not report within %s%s", o.Timeout, logTail(logPath)))
	case <-ctx.Done():
		return fail(fmt.Errorf("start supervisor: %w", context.Cause(ctx)))
	}
}

// stopChild ends a supervisor that Spawn gave up on: SIGTERM (it rolls
// back), then SIGKILL after StopGrace.
func stopChild(cmd *exec.Cmd, exited <-chan error) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(StopGrace):
		_ = cmd.Process.Kill()
		<-exited
	}
}

// logTail is the end of a supervisor log for an error message.
func logTail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil || len(bytes.TrimSpace(b)) == 0 {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return "\n--- last lines of " + path + " ---\n" + strings.Join(lines, "\n")
}
