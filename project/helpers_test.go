package project_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/testbed-dev/testbed/internal/testenv"
)

var seq atomic.Int64

// bed is one project of the testbed command in a directory of its own.
type bed struct {
	t       *testing.T
	bin     string
	project string
	dir     string // working directory, holding the spec
	state   string
	cli     *client.Client // nil for the local driver
	driver  string
}

func newBed(t *testing.T, driver string) *bed {
	t.Helper()
	b := &bed{t: t, bin: testenv.Binary(t), driver: driver, dir: t.TempDir(), state: t.TempDir(),
		project: fmt.Sprintf("tbcore%d-%d", os.Getpid()%100000, seq.Add(1))}
	if driver == "docker" {
		b.cli = testenv.Engine(t)
	}
	t.Cleanup(func() {
		b.run("down")
		if b.cli != nil {
			if left := testenv.Leftovers(t, b.cli, b.project); len(left) > 0 {
				t.Errorf("left on the engine: %v", left)
			}
		}
	})
	return b
}

type result struct {
	code     int
	out, err string
}

func (r result) must(t *testing.T, what string) result {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", what, r.code, r.out, r.err)
	}
	return r
}

// cmd is the testbed command for this bed's project.
func (b *bed) cmd(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, b.bin, append([]string{"-p", b.project, "--state-dir", b.state, "--driver", b.driver, "--progress", "plain"}, args...)...)
	cmd.Dir = b.dir
	cmd.Env = append(os.Environ(), "TESTBED_PROJECT=", "TESTBED_DRIVER=")
	return cmd
}

func (b *bed) run(args ...string) result {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	return wait(b.t, b.cmd(ctx, args...), args)
}

func wait(t *testing.T, cmd *exec.Cmd, args []string) result {
	t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = 128 + int(ws.Signal())
		}
	} else if err != nil {
		t.Fatalf("run %v: %v", args, err)
	}
	return result{code, out.String(), errb.String()}
}

func (b *bed) write(name, content string) string {
	b.t.Helper()
	p := filepath.Join(b.dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		b.t.Fatal(err)
	}
	return p
}

// containers maps each server of the project to its container id.
func (b *bed) containers() map[string]string {
	b.t.Helper()
	list, err := b.cli.ContainerList(context.Background(), client.ContainerListOptions{All: true,
		Filters: client.Filters{}.Add("label", "testbed.project="+b.project)})
	if err != nil {
		b.t.Fatal(err)
	}
	out := map[string]string{}
	for _, c := range list.Items {
		out[c.Labels["testbed.server"]] = c.ID
	}
	return out
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func has(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

func testbinary(t *testing.T) string { return testenv.Binary(t) }
