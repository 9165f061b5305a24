// Package owner identifies the run that made a resource: host, pid and the
// process's start time, so that a pid reused by another process is not taken
// for the owner.
package owner

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Owner is the run that created a resource.
type Owner struct {
	Host  string
	PID   int
	Start uint64 // process start time as StartTime reads it on the owner's host; 0 if unknown
}

// Self returns the owner for the running process.
func Self() Owner {
	host, _ := os.Hostname()
	pid := os.Getpid()
	start, _ := StartTime(pid)
	return Owner{Host: host, PID: pid, Start: start}
}

// String is the label form "host/pid/start".
func (o Owner) String() string { return fmt.Sprintf("%s/%d/%d", o.Host, o.PID, o.Start) }

// Parse reads the label form made by String.
func Parse(s string) (Owner, error) {
	i := strings.LastIndex(s, "/")
	if i < 0 {
		return Owner{}, fmt.Errorf("owner %q: want host/pid/start", s)
	}
	j := strings.LastIndex(s[:i], "/")
	if j < 0 {
		return Owner{}, fmt.Errorf("owner %q: want host/pid/start", s)
	}
	pid, err := strconv.Atoi(s[j+1 : i])
	if err != nil {
		return Owner{}, fmt.Errorf("owner %q: pid: %w", s, err)
	}
	if pid <= 0 {
		// No run has such a pid; a label claiming one must not pass for a
		// dead run of this host (reap would take its project).
		return Owner{}, fmt.Errorf("owner %q: pid %d is not a process id", s, pid)
	}
	start, err := strconv.ParseUint(s[i+1:], 10, 64)
	if err != nil {
		return Owner{}, fmt.Errorf("owner %q: start: %w", s, err)
	}
	return Owner{Host: s[:j], PID: pid, Start: start}, nil
}

// ErrNoProcess is returned by StartTime when no process has the pid.
var ErrNoProcess = errors.New("no such process")

// Alive reports whether the owner is a live process on this host. For an
// owner on another host it answers true (it cannot tell), with local false.
// A process whose start time cannot be read for another reason than that
// it is gone counts as alive too: a live run's resources are never taken
// for a dead one's.
func (o Owner) Alive() (alive, local bool) {
	host, _ := os.Hostname()
	if o.Host != host {
		return true, false
	}
	start, err := StartTime(o.PID)
	switch {
	case errors.Is(err, ErrNoProcess):
		return false, true
	case err != nil:
		return true, true
	}
	return o.Start == 0 || start == o.Start, true
}
