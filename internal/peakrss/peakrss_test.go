//go:build linux

package peakrss_test

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"runtime"
	"testing"
	"time"

	"github.com/testbed-dev/testbed/internal/peakrss"
)

// A helper process touches a known amount of memory and holds it until
// told to exit; the watch sees at least that much, and Stop keeps it.
func TestWatchSeesTheChildsOwnPeak(t *testing.T) {
	const touched = 64 << 20
	if os.Getenv("PEAKRSS_CHILD") != "" {
		b := make([]byte, touched)
		for i := range b {
			b[i] = 1
		}
		os.Stdout.WriteString("ready\n")
		io.Copy(io.Discard, os.Stdin) // until the test closes it
		runtime.KeepAlive(b)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestWatchSeesTheChildsOwnPeak$")
	cmd.Env = append(os.Environ(), "PEAKRSS_CHILD=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w := peakrss.Start(cmd.Process.Pid)
	if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "ready\n" {
		t.Fatalf("child said %q, %v", line, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for w.Peak() < touched>>10 && time.Now().Before(deadline) {
		time.Sleep(peakrss.Interval) // the watch reads /proc at its own pace
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	if kib := w.Stop(); kib < touched>>10 {
		t.Errorf("peak = %d KiB, want at least the %d KiB the child touched", kib, touched>>10)
	}
}
