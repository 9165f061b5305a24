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
	Start uint64 // process start time in clock ticks since boot (/proc/<pid>/stat field 22); 0 if unknown
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

// Alive reports whether the owner is a live process on this host. For an
// owner on another host it answers true (it cannot tell), with local false.
func (o Owner) Alive() (alive, local bool) {
	host, _ := os.Hostname()
	if o.Host != host {
		return true, false
	}
	start, err := StartTime(o.PID)
	if err != nil {
		return false, true
	}
	return o.Start == 0 || start == o.Start, true
}

// StartTime reads a process's start time from /proc.
func StartTime(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces and parentheses: fields
	// are counted after the last ')'.
	s := string(b)
	k := strings.LastIndexByte(s, ')')
	if k < 0 {
		return 0, errors.New("malformed /proc stat")
	}
	fields := strings.Fields(s[k+1:])
	// fields[0] is field 3 (state); start time is field 22.
	const idx = 22 - 3
	if len(fields) <= idx {
		return 0, errors.New("short /proc stat")
	}
	return strconv.ParseUint(fields[idx], 10, 64)
}
