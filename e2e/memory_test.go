//go:build linux

package e2e

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/testbed-dev/testbed/internal/peakrss"
	"github.com/testbed-dev/testbed/internal/testenv"
)

// rssFileKB reads a process's resident pages of mapped files (its binary).
func rssFileKB(t *testing.T, pid int) int64 {
	t.Helper()
	kb, err := peakrss.StatusKB(pid, "RssFile")
	if err != nil {
		t.Fatal(err)
	}
	return kb
}

// A settled `testbed serve` gives back the pages of its binary that only
// start-up used, and still serves: what it needs again comes back. It does
// so even when its file was removed (replaced by an upgrade) while it runs.
func TestServeTrimsStartupPages(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// A second name for the binary, removed once it runs: the process then
	// reads "(deleted)" in /proc, as after an upgrade. A hard link shares
	// the built file's page cache; a copy is the fallback.
	bin := filepath.Join(t.TempDir(), "testbed")
	if err := os.Link(testenv.Binary(t), bin); err != nil {
		content, err := os.ReadFile(testenv.Binary(t))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(bin, content, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.CommandContext(ctx, bin, serveEcho...)
	cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir()) // its throwaway CA
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() })

	var addr string
	sc := bufio.NewScanner(stderr)
	for addr == "" && sc.Scan() {
		if _, a, ok := strings.Cut(sc.Text(), "echo 7/tcp on "); ok {
			addr = a
		}
	}
	if addr == "" {
		t.Fatalf("serve printed no listening address (%v)", sc.Err())
	}
	go io.Copy(io.Discard, stderr)
	started := rssFileKB(t, cmd.Process.Pid)
	if err := os.Remove(bin); err != nil {
		t.Fatal(err)
	}

	// The trim comes IdleTrimDelay after start; await it. How much stays
	// depends on the file system: where the page cache holds the binary in
	// large folios, the first touch of a page maps its whole 2 MB again, so
	// a quarter is what every file system here gives back (fuse-overlayfs
	// in the containers: 85%).
	deadline := time.Now().Add(30 * time.Second)
	trimmed := started
	for trimmed*4 > started*3 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond) // polling /proc: there is nothing to wait on
		trimmed = rssFileKB(t, cmd.Process.Pid)
	}
	if trimmed*4 > started*3 {
		t.Fatalf("resident binary pages: %d kB at start, %d kB 30 s later; want at least a quarter given back", started, trimmed)
	}
	t.Logf("resident binary pages: %d kB at start, %d kB settled", started, trimmed)

	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("echo after the trim: %v", err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, "still here\n"); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || line != "still here\n" {
		t.Errorf("echo after the trim = %q, %v; want the line back", line, err)
	}
}
