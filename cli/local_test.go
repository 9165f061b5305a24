package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/internal/procstate"
	"github.com/testbed-dev/testbed/internal/testenv"
)

// These tests run the built testbed command with DOCKER_HOST pointing at
// nothing, so --driver auto falls back to the local driver, as on a fresh
// machine without an engine.

var seq atomic.Int64

// localBed is one test's project and state directory.
type localBed struct {
	t       *testing.T
	bin     string
	project string
	state   string
	dir     string // working directory
}

type result struct {
	code     int
	out, err string
}

func newLocalBed(t *testing.T) *localBed {
	t.Helper()
	b := &localBed{t: t, bin: testenv.Binary(t), project: fmt.Sprintf("clilocal-%d-%d", os.Getpid(), seq.Add(1)), state: t.TempDir(), dir: t.TempDir()}
	t.Cleanup(func() {
		// Whatever happened, leave no supervisor behind.
		if rec, err := readRecord(b.projectDir()); err == nil && rec.Alive() {
			b.run("down")
			if rec.Alive() {
				syscall.Kill(rec.PID, syscall.SIGKILL)
				t.Errorf("supervisor pid %d survived down", rec.PID)
			}
		}
	})
	return b
}

func (b *localBed) projectDir() string { return filepath.Join(b.state, b.project) }

// run runs the command with the bed's project and state directory.
func (b *localBed) run(args ...string) result {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, b.bin, append([]string{"-p", b.project, "--state-dir", b.state}, args...)...)
	cmd.Dir = b.dir
	cmd.Env = append(os.Environ(), "DOCKER_HOST=unix:///nonexistent.sock", "TESTBED_DRIVER=")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		b.t.Fatalf("run %v: %v", args, err)
	}
	return result{code, out.String(), errb.String()}
}

func (r result) must(t *testing.T, what string) result {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", what, r.code, r.out, r.err)
	}
	return r
}

// TestLocalUpServesAfterExit: up falls back to the local driver and
// returns; the printed HTTP port answers after the command has exited;
// ps, env and logs read the project; exec is refused; down closes every
// port and removes the state.
func TestLocalUpServesAfterExit(t *testing.T) {
	b := newLocalBed(t)
	start := time.Now()
	r := b.run("up", "--json").must(t, "up")
	t.Logf("up took %s", time.Since(start))
	if !strings.Contains(r.err, "no Docker engine answers; using the local driver") {
		t.Errorf("up stderr = %q, want the fallback to be said", r.err)
	}
	var m endpoints.Manifest
	if err := json.Unmarshal([]byte(r.out), &m); err != nil {
		t.Fatalf("up --json printed %q: %v", r.out, err)
	}
	if m.Driver != "local" || len(m.Servers) != 6 {
		t.Errorf("manifest driver %q with %d servers, want local with 6", m.Driver, len(m.Servers))
	}
	rec, err := readRecord(b.projectDir())
	if err != nil || !rec.Alive() {
		t.Fatalf("supervisor record = %+v, %v; want a live supervisor", rec, err)
	}

	// The command has exited; the server answers.
	addr := m.Servers["http"].Ports["80/tcp"]
	res, err := http.Get("http://" + addr + "/files/hello.txt")
	if err != nil {
		t.Fatalf("GET after up exited = %v", err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(body) != "Hello, testbed!\n" {
		t.Errorf("GET /files/hello.txt = %s %q", res.Status, body)
	}

	t.Run("up again", func(t *testing.T) {
		r := b.run("up", "--json").must(t, "second up")
		var again endpoints.Manifest
		json.Unmarshal([]byte(r.out), &again)
		if again.Servers["http"].Ports["80/tcp"] != addr || !strings.Contains(r.err, "already up") {
			t.Errorf("second up = %s (stderr %q), want the same endpoints, already up", r.out, r.err)
		}
	})
	t.Run("ps", func(t *testing.T) {
		r := b.run("ps", "--json").must(t, "ps")
		var rows []struct {
			Server, State, Driver string
			Ready                 bool
		}
		json.Unmarshal([]byte(r.out), &rows)
		if len(rows) != 6 {
			t.Fatalf("ps --json = %s, want 6 rows", r.out)
		}
		for _, row := range rows {
			if row.State != "running" || row.Driver != "local" || !row.Ready {
				t.Errorf("ps row %+v, want running and ready on local", row)
			}
		}
	})
	t.Run("env", func(t *testing.T) {
		r := b.run("env").must(t, "env")
		if !strings.Contains(r.out, "export TESTBED_HTTP_80='"+addr+"'") {
			t.Errorf("env = %q, want TESTBED_HTTP_80=%s", r.out, addr)
		}
	})
	t.Run("logs", func(t *testing.T) {
		r := b.run("logs", "http").must(t, "logs http")
		if !strings.Contains(r.out, "server=http") {
			t.Errorf("logs http = %q, want the http server's log", r.out)
		}
		if r := b.run("logs", "nope"); r.code == 0 || !strings.Contains(r.err, `no server "nope"`) {
			t.Errorf("logs nope = %d %q, want an error naming the server", r.code, r.err)
		}
		// Every server, each line after its name.
		all := b.run("logs").must(t, "logs")
		seen := map[string]bool{}
		for _, line := range strings.Split(strings.TrimSuffix(all.out, "\n"), "\n") {
			name, rest, ok := strings.Cut(line, " | ")
			if !ok || !strings.Contains(rest, "server="+strings.TrimSpace(name)) {
				t.Errorf("logs line %q, want \"SERVER | ...\" from that server", line)
				continue
			}
			seen[strings.TrimSpace(name)] = true
		}
		if len(seen) != 6 {
			t.Errorf("logs of every server showed %v, want the 6 servers", seen)
		}
	})
	t.Run("exec", func(t *testing.T) {
		r := b.run("exec", "http", "--", "ls")
		if r.code == 0 || !strings.Contains(r.err, "not supported by the local driver") {
			t.Errorf("exec = %d %q, want it refused by the local driver", r.code, r.err)
		}
	})

	start = time.Now()
	b.run("down").must(t, "down")
	t.Logf("down took %s", time.Since(start))
	if rec.Alive() {
		t.Errorf("supervisor pid %d runs after down", rec.PID)
	}
	for name, s := range m.Servers {
		for key, a := range s.Ports {
			if !strings.HasSuffix(key, "/tcp") {
				continue
			}
			if c, err := net.Dial("tcp", a); err == nil {
				c.Close()
				t.Errorf("after down, %s %s (%s) accepts connections", name, key, a)
			}
		}
	}
	if _, err := os.Stat(b.projectDir()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after down, state directory: %v, want it removed", err)
	}
	if r := b.run("env"); r.code == 0 {
		t.Errorf("env after down = %q, want an error", r.out)
	}
}

// TestLocalRun: run starts the servers in-process, passes the endpoint
// environment and returns the command's status.
func TestLocalRun(t *testing.T) {
	b := newLocalBed(t)
	r := b.run("run", "--", "sh", "-c", `printf '%s\n' "$TESTBED_HTTP_80" > addr; test -f "$TESTBED_CA_FILE" || exit 9; exit 3`)
	if r.code != 3 {
		t.Fatalf("run = exit %d, want 3\nstderr:\n%s", r.code, r.err)
	}
	addr, err := os.ReadFile(filepath.Join(b.dir, "addr"))
	if err != nil || !strings.HasPrefix(string(addr), "127.0.0.1:") {
		t.Fatalf("TESTBED_HTTP_80 in the command = %q, %v", addr, err)
	}
	if c, err := net.Dial("tcp", strings.TrimSpace(string(addr))); err == nil {
		c.Close()
		t.Errorf("after run, %s still accepts connections", addr)
	}
	entries, _ := os.ReadDir(b.state)
	if len(entries) != 0 {
		t.Errorf("after run, state left: %v", entries)
	}
}

// TestLocalRefusesImages: a spec server that needs an image is refused
// before anything starts, naming it and the way out.
func TestLocalRefusesImages(t *testing.T) {
	b := newLocalBed(t)
	spec := filepath.Join(b.dir, "testbed.yaml")
	os.WriteFile(spec, []byte("servers:\n  web: {builtin: http}\n  app: {image: example/app:1.2, ports: [8080]}\n"), 0o644)
	for _, args := range [][]string{{"up"}, {"--driver", "local", "up"}, {"run", "--", "true"}} {
		r := b.run(args...)
		if r.code == 0 || !strings.Contains(r.err, "server app runs the image example/app:1.2") || !strings.Contains(r.err, "--driver docker") {
			t.Errorf("%v = exit %d, stderr %q; want app refused with a hint to --driver docker", args, r.code, r.err)
		}
	}
	if _, err := os.Stat(b.projectDir()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("state directory after the refusal: %v, want none", err)
	}
}

// TestLocalReap: a supervisor that was killed leaves stale state that ps
// shows, env refuses and reap clears.
func TestLocalReap(t *testing.T) {
	b := newLocalBed(t)
	b.run("up", "echo").must(t, "up echo")
	rec, err := readRecord(b.projectDir())
	if err != nil {
		t.Fatal(err)
	}
	syscall.Kill(rec.PID, syscall.SIGKILL)
	deadline := time.Now().Add(5 * time.Second)
	for rec.Alive() && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if r := b.run("ps").must(t, "ps"); !strings.Contains(r.out, "exited") {
		t.Errorf("ps of a killed supervisor = %q, want exited", r.out)
	}
	if r := b.run("env"); r.code == 0 || !strings.Contains(r.err, "is not up") {
		t.Errorf("env = %d %q, want an error saying the project is not up", r.code, r.err)
	}
	r := b.run("reap", "--dry-run", b.project).must(t, "reap --dry-run")
	if !strings.Contains(r.out, b.project+": local driver: pid") {
		t.Errorf("reap --dry-run = %q, want the project listed", r.out)
	}
	b.run("reap", b.project).must(t, "reap")
	if _, err := os.Stat(b.projectDir()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after reap, state directory: %v, want it removed", err)
	}
}

// record is the part of a local project's supervisor.json (the supervisor
// writes it; the CLI reads it only through the project core) these tests
// look at.
type record struct {
	PID int `json:"pid"`
}

func readRecord(dir string) (*record, error) {
	b, err := os.ReadFile(filepath.Join(dir, "supervisor.json"))
	if err != nil {
		return nil, err
	}
	var r record
	return &r, json.Unmarshal(b, &r)
}

// Alive reports whether the supervisor process still runs, or has not yet
// finished exiting.
func (r *record) Alive() bool {
	_, err := os.Stat(fmt.Sprintf("/proc/%d", r.PID))
	return err == nil && !procstate.Exited(r.PID)
}
