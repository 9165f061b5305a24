//go:build unix

package e2e

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/testbed-dev/testbed/internal/testenv"
)

// serveEcho runs the echo kind with every port of its own chosen free
// (tests running at the same time would collide on 7, 9, 13 and 19).
var serveEcho = []string{"serve", "echo", "--listen", "127.0.0.1",
	"--port", "7/tcp=0", "--port", "7/udp=0", "--port", "9/tcp=0", "--port", "9/udp=0",
	"--port", "13/tcp=0", "--port", "13/udp=0", "--port", "19/tcp=0"}

// `testbed serve` without a certificate makes a throwaway CA in a
// temporary directory, and removes it when it is stopped.
func TestServeRemovesItsThrowawayCA(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, testenv.Binary(t), serveEcho...)
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	listening := false
	var said []string
	for !listening && sc.Scan() {
		said = append(said, sc.Text())
		listening = strings.Contains(sc.Text(), "echo 7/tcp on ")
	}
	if !listening {
		cmd.Process.Kill()
		werr := cmd.Wait()
		t.Fatalf("serve printed no listening line (%v, %v):\n%s", sc.Err(), werr, strings.Join(said, "\n"))
	}
	go io.Copy(io.Discard, stderr)
	made, _ := filepath.Glob(filepath.Join(tmp, "testbed-serve-ca-*"))
	if len(made) != 1 {
		t.Errorf("while serving, %s holds %v, want one throwaway CA directory", tmp, made)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("serve after SIGTERM: %v, want a clean exit", err)
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "testbed-serve-ca-*")); len(left) > 0 {
		t.Errorf("after serve stopped, left %v", left)
	}
}
