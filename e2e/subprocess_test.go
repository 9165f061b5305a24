package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/testbed-dev/testbed/internal/testenv"
	"github.com/testbed-dev/testbed/progress"
)

// subTimeout bounds every CLI subprocess: nothing a test starts may hang.
const subTimeout = 4 * time.Minute

// sub is one test's project driven through the real testbed binary, as a
// separate process, so it can be killed and signalled like a user's.
type sub struct {
	t       *testing.T
	bin     string
	cli     *client.Client
	project string
	state   string
	dir     string   // working directory of the subprocess, where specs go
	env     []string // extra environment
}

// newSub makes a project for subprocess runs; at the end it takes the
// project down and fails the test if anything labelled with it is left.
func newSub(t *testing.T) *sub {
	t.Helper()
	// A state directory of its own: `reap` in other tests, which read
	// theirs, must still spare a project this test left up (the engine
	// marks it kept).
	s := &sub{t: t, cli: testenv.Engine(t), project: project(t), state: t.TempDir(), dir: t.TempDir()}
	s.bin = testenv.Binary(t)
	t.Cleanup(func() {
		if r := s.run("down"); r.code != 0 {
			t.Errorf("cleanup down: exit %d\n%s", r.code, r.err)
		}
		if left := testenv.Leftovers(t, s.cli, s.project); len(left) > 0 {
			t.Errorf("after down, left on the engine: %v", left)
		}
		os.RemoveAll(filepath.Join(s.state, s.project))
	})
	return s
}

// write puts a file in the sub's directory and returns its path.
func (s *sub) write(name, content string) string {
	s.t.Helper()
	p := filepath.Join(s.dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		s.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		s.t.Fatal(err)
	}
	return p
}

// command prepares the binary with the sub's project, state dir and JSON
// progress on stderr.
func (s *sub) command(ctx context.Context, args ...string) *exec.Cmd {
	full := append([]string{"-p", s.project, "--state-dir", s.state, "--progress", "json"}, args...)
	cmd := exec.CommandContext(ctx, s.bin, full...)
	cmd.Dir = s.dir
	cmd.Env = append(os.Environ(), s.env...)
	cmd.WaitDelay = 10 * time.Second
	return cmd
}

// run runs the binary to completion.
func (s *sub) run(args ...string) result {
	s.t.Helper()
	return s.start(args...).wait(s.t)
}

// proc is a running CLI subprocess whose stderr is read line by line, with
// the --progress json events picked out as they come.
type proc struct {
	cmd      *exec.Cmd
	cancel   context.CancelFunc
	stdout   bytes.Buffer
	lines    chan string
	readDone chan struct{}

	mu     sync.Mutex
	stderr strings.Builder
	seen   []progress.Event
}

// start starts the binary with args.
func (s *sub) start(args ...string) *proc {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), subTimeout)
	p := &proc{cmd: s.command(ctx, args...), cancel: cancel, lines: make(chan string, 4096), readDone: make(chan struct{})}
	p.cmd.Stdout = &p.stdout
	pr, pw, err := os.Pipe()
	if err != nil {
		cancel()
		s.t.Fatal(err)
	}
	p.cmd.Stderr = pw
	if err := p.cmd.Start(); err != nil {
		cancel()
		pr.Close()
		pw.Close()
		s.t.Fatalf("start %s: %v", s.bin, err)
	}
	pw.Close()
	go p.read(pr)
	return p
}

// read collects stderr until the process (and anything holding the pipe)
// is gone.
func (p *proc) read(r *os.File) {
	defer close(p.readDone)
	defer close(p.lines)
	defer r.Close()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for sc.Scan() {
		line := sc.Text()
		p.mu.Lock()
		p.stderr.WriteString(line + "\n")
		if ev, ok := decodeEvent(line); ok {
			p.seen = append(p.seen, ev)
		}
		p.mu.Unlock()
		select {
		case p.lines <- line:
		default: // nobody is waiting for that many lines
		}
	}
}

// decodeEvent reads one --progress json line.
func decodeEvent(line string) (progress.Event, bool) {
	var ev progress.Event
	if !strings.HasPrefix(line, "{") || json.Unmarshal([]byte(line), &ev) != nil || ev.Phase == "" {
		return progress.Event{}, false
	}
	return ev, true
}

// waitLine waits for the first stderr line that match accepts, failing the
// test (and killing the process) when it ends or the timeout passes first.
func (p *proc) waitLine(t *testing.T, what string, timeout time.Duration, match func(string) bool) string {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				r := p.wait(t)
				t.Fatalf("the CLI ended (exit %d) before %s\nstderr:\n%s", r.code, what, r.err)
			}
			if match(line) {
				return line
			}
		case <-deadline.C:
			p.signal(t, syscall.SIGKILL)
			r := p.wait(t)
			t.Fatalf("no %s within %s\nstderr:\n%s", what, timeout, r.err)
		}
	}
}

// waitEvent waits for the first progress event that match accepts.
func (p *proc) waitEvent(t *testing.T, what string, timeout time.Duration, match func(progress.Event) bool) progress.Event {
	t.Helper()
	line := p.waitLine(t, what, timeout, func(line string) bool {
		ev, ok := decodeEvent(line)
		return ok && match(ev)
	})
	ev, _ := decodeEvent(line)
	return ev
}

// phase matches an event of a phase, for server ("" = any server).
func phase(name, server string) func(progress.Event) bool {
	return func(ev progress.Event) bool {
		return ev.Phase == name && (server == "" || ev.Server == server)
	}
}

func (p *proc) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatalf("signal %v: %v", sig, err)
	}
}

// wait waits for the process to end (it is reaped, so its pid is gone for
// owner checks) and returns its outcome; code is -1 when a signal killed it.
func (p *proc) wait(t testing.TB) result {
	t.Helper()
	<-p.readDone
	err := p.cmd.Wait()
	p.cancel()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("wait: %v", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return result{code: p.cmd.ProcessState.ExitCode(), out: p.stdout.String(), err: p.stderr.String()}
}

// events returns the progress events seen so far.
func (p *proc) eventsSeen() []progress.Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]progress.Event(nil), p.seen...)
}

// containerIDs lists the project's containers as "name id state", sorted,
// to compare before and after.
func containerIDs(t *testing.T, cli *client.Client, project string) []string {
	t.Helper()
	list, err := cli.ContainerList(context.Background(), client.ContainerListOptions{All: true,
		Filters: client.Filters{}.Add("label", "testbed.project="+project)})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range list.Items {
		out = append(out, strings.Join(c.Names, ",")+" "+c.ID[:12]+" "+string(c.State))
	}
	slices.Sort(out)
	return out
}
