//go:build linux

package peakrss_test

import (
	"os"
	"os/exec"
	"syscall"
	"testing"

	"github.com/testbed-dev/testbed/internal/peakrss"
)

// A helper process touches a known amount of memory; the watch sees at
// least that, and far less than the test process's rusage figure would
// suggest when the test process is larger.
func TestWatchSeesTheChildsOwnPeak(t *testing.T) {
	if os.Getenv("PEAKRSS_CHILD") != "" {
		b := make([]byte, 64<<20)
		for i := range b {
			b[i] = 1
		}
		os.Stdout.Write(b[:1])
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestWatchSeesTheChildsOwnPeak$")
	cmd.Env = append(os.Environ(), "PEAKRSS_CHILD=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w := peakrss.Start(cmd.Process.Pid)
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	kib := w.Stop()
	if kib < 64<<10 {
		t.Errorf("peak = %d KiB, want at least the 65536 KiB the child touched", kib)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		t.Logf("watched peak %d KiB, rusage maxrss %d KiB", kib, ru.Maxrss)
	}
}
