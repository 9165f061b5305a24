// Package e2e drives the testbed command against a real Docker engine, with
// real clients, the way users do.
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/testbed-dev/testbed/cli"
	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/internal/testenv"
)

// result is one CLI invocation's outcome.
type result struct {
	code     int
	out, err string
}

var seq atomic.Int64

// project returns a project name unique to this test process.
func project(t *testing.T) string {
	name := strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()))
	if len(name) > 30 {
		name = name[:30]
	}
	return fmt.Sprintf("e2e-%s-%d-%d", strings.Trim(name, "-"), os.Getpid(), seq.Add(1))
}

// bed is one test's testbed: a project, a state dir and an engine client.
type bed struct {
	t       *testing.T
	cli     *client.Client
	project string
	state   string
	dir     string // working directory for relative spec paths
}

func newBed(t *testing.T) *bed {
	t.Helper()
	b := &bed{t: t, cli: testenv.Engine(t), project: project(t), state: t.TempDir(), dir: t.TempDir()}
	t.Cleanup(func() {
		b.run("down")
		if left := testenv.Leftovers(t, b.cli, b.project); len(left) > 0 {
			t.Errorf("after down, left on the engine: %v", left)
		}
	})
	return b
}

// run runs the CLI in-process with the bed's project and state dir.
func (b *bed) run(args ...string) result {
	b.t.Helper()
	return b.runCtx(context.Background(), args...)
}

func (b *bed) runCtx(ctx context.Context, args ...string) result {
	b.t.Helper()
	return b.main(ctx, append([]string{"-p", b.project}, args...))
}

// main runs the CLI in-process with the bed's state dir and plain
// progress, bounded to 5 minutes.
func (b *bed) main(ctx context.Context, args []string) result {
	var out, errb bytes.Buffer
	full := append([]string{"--state-dir", b.state, "--progress", "plain"}, args...)
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	code := cli.Main(ctx, full, cli.IO{In: strings.NewReader(""), Out: &out, Err: &errb})
	return result{code: code, out: out.String(), err: errb.String()}
}

// runNoProject runs the CLI in-process with the bed's state dir but no
// -p: the command names the project.
func (b *bed) runNoProject(args ...string) result {
	b.t.Helper()
	return b.main(context.Background(), args)
}

// write puts a file in the bed's directory and returns its path.
func (b *bed) write(name, content string, mode os.FileMode) string {
	b.t.Helper()
	p := filepath.Join(b.dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		b.t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		b.t.Fatal(err)
	}
	return p
}

// manifest reads the endpoints that up recorded.
func (b *bed) manifest() *endpoints.Manifest {
	b.t.Helper()
	m, err := endpoints.Read(filepath.Join(b.state, b.project))
	if err != nil {
		b.t.Fatal(err)
	}
	return m
}

func (r result) must(t *testing.T, what string) result {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", what, r.code, r.out, r.err)
	}
	return r
}
