// Package owner identifies the run that made a resource and tells whether it
// is alive: host, pid and the process's start time (so that a pid reused by
// another process is not taken for the owner), the pid namespace the pid
// means something in, and the file lock ([Lock]) the run holds while it
// works on its project, which the kernel releases when it dies.
//
// Liveness, in the order it is decided (see [Owner.Judge]):
//  1. the run's lock file, when this process sees the same file (its ident
//     is in the label): held = alive, free = dead. This works across pid
//     namespaces (a run under `unshare --pid`), since a file lock is not a
//     pid.
//  2. its pid, when the run was on this host and in this pid namespace.
//  3. otherwise nothing here can tell: alive (only reap --older-than
//     takes such a project).
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
	PIDNS string // the pid namespace the pid is in ("pid:[4026531836]"); "" if unknown
	Lock  string // ident of the lock file the run holds ("dev:ino"); "" if none
}

// Self returns the owner for the running process.
func Self() Owner {
	host, _ := os.Hostname()
	pid := os.Getpid()
	start, _ := StartTime(pid)
	return Owner{Host: host, PID: pid, Start: start, PIDNS: pidNS()}
}

// WithLock is o holding the lock l.
func (o Owner) WithLock(l *Lock) Owner {
	if l != nil {
		o.Lock = l.Ident()
	}
	return o
}

// String is the label form "host/pid/start", followed by "/pidns/lock"
// when either is known.
func (o Owner) String() string {
	s := fmt.Sprintf("%s/%d/%d", o.Host, o.PID, o.Start)
	if o.PIDNS != "" || o.Lock != "" {
		s += "/" + o.PIDNS + "/" + o.Lock
	}
	return s
}

// pidNS names this process's pid namespace; "" where there is none to read.
func pidNS() string {
	ns, err := os.Readlink("/proc/self/ns/pid")
	if err != nil {
		return ""
	}
	return ns
}

// Parse reads the label form made by String.
func Parse(s string) (Owner, error) {
	var pidns, lock string
	if parts := strings.Split(s, "/"); len(parts) >= 5 {
		// host/pid/start/pidns/lock; the older form has three fields.
		pidns, lock = parts[len(parts)-2], parts[len(parts)-1]
		s = strings.Join(parts[:len(parts)-2], "/")
	}
	o, err := parse3(s)
	o.PIDNS, o.Lock = pidns, lock
	return o, err
}

func parse3(s string) (Owner, error) {
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
	if o.PIDNS != "" && o.PIDNS != pidNS() {
		// Its pid means nothing here (another pid namespace).
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

// Judge decides whether the owner is alive, as the package doc says.
// heldLock is the ident of the project's lock file, which the caller holds
// now (so the owner does not): an owner that locked that very file is
// gone, or done. known is false when nothing here can tell (alive is then
// true).
func (o Owner) Judge(heldLock string) (alive, known bool, why string) {
	if o.Lock != "" && o.Lock == heldLock {
		return false, true, fmt.Sprintf("owner pid %d on %s is gone (it no longer holds the project's lock)", o.PID, o.Host)
	}
	alive, local := o.Alive()
	if !local {
		return true, false, ""
	}
	if alive {
		return true, true, "its pid lives"
	}
	return false, true, fmt.Sprintf("owner pid %d on %s is gone", o.PID, o.Host)
}
