//go:build linux

package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/testbed-dev/testbed/image"
	"github.com/testbed-dev/testbed/internal/peakrss"
	"github.com/testbed-dev/testbed/internal/testenv"
)

// Build contexts stream to the engine: a 2 GB (sparse) file in a build
// context leaves the CLI's peak RSS under 100 MB, both when the context
// is over the size cap (exit 1 naming the server, the path and the
// variable that raises the cap; nothing left behind) and when the cap is
// raised and the 2 GB really go to the engine.
func TestBuildContextStreams(t *testing.T) {
	t.Parallel()
	eng := testenv.Engine(t)
	img := testenv.Busybox(t, eng)
	dir := t.TempDir()
	ctxDir := filepath.Join(dir, "ctx")
	writeFile(t, filepath.Join(ctxDir, "Dockerfile"), []byte("FROM "+img+"\nLABEL purpose=streaming-test\n"))
	f, err := os.Create(filepath.Join(ctxDir, "big.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(2 << 30); err != nil {
		t.Fatal(err)
	}
	f.Close()
	spec := writeFile(t, filepath.Join(dir, "testbed.yaml"), []byte("servers:\n  big: {build: {context: ./ctx}, command: [sleep, \"60\"]}\n"))
	proj, state := project(t), t.TempDir()
	run := func(env []string, args ...string) (int, string, int64) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, testenv.Binary(t), append([]string{"-p", proj, "--state-dir", state, "--driver", "docker", "--progress", "plain", "-f", spec}, args...)...)
		cmd.Env = append(os.Environ(), env...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		w := peakrss.Start(cmd.Process.Pid)
		cmd.Wait()
		return cmd.ProcessState.ExitCode(), stderr.String(), w.Stop()
	}
	t.Cleanup(func() {
		run(nil, "down", "--rmi")
		if left := testenv.Leftovers(t, eng, proj); len(left) > 0 {
			t.Errorf("left on the engine: %v", left)
		}
	})

	code, stderr, peak := run([]string{image.MaxContextEnv + "="}, "up")
	t.Logf("over the cap: exit %d, peak RSS %d MiB", code, peak>>10)
	// The cap is a limit on the input, found while hashing the context
	// before anything is made: exit 2, like every other limit.
	if code != 2 {
		t.Errorf("up with a 2 GB context = exit %d, want 2\n%s", code, stderr)
	}
	for _, want := range []string{`server big`, "big.bin", "build context larger than the limit of 1073741824 bytes", image.MaxContextEnv} {
		if !strings.Contains(stderr, want) {
			t.Errorf("up error lacks %q:\n%s", want, stderr)
		}
	}
	if peak > 100<<10 {
		t.Errorf("peak RSS over the cap = %d MiB, want under 100", peak>>10)
	}
	if left := testenv.Leftovers(t, eng, proj); len(left) > 0 {
		t.Errorf("failed up left %v", left)
	}

	code, stderr, peak = run([]string{image.MaxContextEnv + "=3G"}, "build")
	t.Logf("under a raised cap: exit %d, peak RSS %d MiB", code, peak>>10)
	if code != 0 {
		t.Errorf("build with %s=3G = exit %d, want 0\n%s", image.MaxContextEnv, code, stderr)
	}
	if peak > 100<<10 {
		t.Errorf("peak RSS sending 2 GB = %d MiB, want under 100", peak>>10)
	}
}
