// Package peakrss measures the peak resident memory of another process
// (a CLI run by a test or a benchmark) from its own memory map.
//
// A child's rusage does not give it on Linux: Go starts programs sharing
// the parent's memory until execve (vfork semantics), and the kernel keeps
// that high-water mark across execve, so ru_maxrss of a child of a large
// test process is the test process's size.
package peakrss

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Interval is how often a Watch reads the process's high-water mark.
const Interval = 2 * time.Millisecond

// Watch follows one process's VmHWM (the peak of its resident set since it
// last ran execve) until Stop.
type Watch struct {
	stop chan struct{}
	done chan struct{}
	mu   sync.Mutex
	kib  int64
}

// Start begins watching pid.
func Start(pid int) *Watch {
	w := &Watch{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		t := time.NewTicker(Interval)
		defer t.Stop()
		for {
			if kib, err := StatusKB(pid, "VmHWM"); err == nil {
				w.mu.Lock()
				w.kib = max(w.kib, kib)
				w.mu.Unlock()
			}
			select {
			case <-w.stop:
				return
			case <-t.C:
			}
		}
	}()
	return w
}

// Peak is the highest peak seen so far, in KiB.
func (w *Watch) Peak() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.kib
}

// Stop ends the watch and returns the highest peak seen, in KiB (0 when
// none could be read). Call it once the process has exited: the mark only
// grows, so the last reading before the exit is the peak, up to Interval.
func (w *Watch) Stop() int64 {
	close(w.stop)
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.kib
}

// StatusKB reads one kB field of a process's /proc status ("VmHWM",
// "RssFile", ...).
func StatusKB(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("pid %d %s %q: %w", pid, field, v, err)
			}
			return n, nil
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("pid %d: no %s in its status", pid, field)
}
