package supervisor

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/testbed-dev/testbed/internal/atomicfile"
	"github.com/testbed-dev/testbed/internal/procstate"
	"github.com/testbed-dev/testbed/owner"
)

// File names in a project's state directory.
const (
	RecordFile = "supervisor.json" // the Record
	LockFile   = "supervisor.lock" // locked by the supervisor while it lives
	LogFile    = "supervisor.log"  // the supervisor's own output
	LogDir     = "logs"            // one <server>.log per server
)

// Supervisor states in a Record.
const (
	StateStarting = "starting"
	StateReady    = "ready"
)

// ErrNoSupervisor is returned (wrapped) when a state directory holds no record.
var ErrNoSupervisor = errors.New("no local supervisor")

// Record is what a supervisor writes about itself.
type Record struct {
	Project  string    `json:"project"`
	PID      int       `json:"pid"`
	Owner    string    `json:"owner"` // the supervisor process: host/pid/start (package owner)
	Started  time.Time `json:"started"`
	State    string    `json:"state"` // StateStarting, then StateReady
	SpecHash string    `json:"spec_hash"`
	// Hashes are the servers' content hashes (plan.Step.Hash).
	Hashes map[string]string `json:"hashes,omitempty"`
	// Lock is the ident of LockFile, which the supervisor holds.
	Lock string `json:"lock,omitempty"`
	// Control is the address of the supervisor's control channel
	// (servers/control) on 127.0.0.1: a reused project is reset there.
	Control string `json:"control,omitempty"`

	dir string // where it was read from
}

// ServerLog is the path of a server's log in dir.
func ServerLog(dir, server string) string {
	return filepath.Join(dir, LogDir, server+".log")
}

// WriteRecord stores r as dir/supervisor.json, atomically.
func WriteRecord(dir string, r *Record) error {
	if err := atomicfile.WriteJSON(filepath.Join(dir, RecordFile), r); err != nil {
		return fmt.Errorf("write supervisor record: %w", err)
	}
	return nil
}

// ReadRecord loads dir/supervisor.json; ErrNoSupervisor when there is none.
func ReadRecord(dir string) (*Record, error) {
	b, err := os.ReadFile(filepath.Join(dir, RecordFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", dir, ErrNoSupervisor)
	}
	if err != nil {
		return nil, fmt.Errorf("read supervisor record: %w", err)
	}
	var r Record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("read supervisor record %s: %w", filepath.Join(dir, RecordFile), err)
	}
	r.dir = dir
	return &r, nil
}

// Alive reports whether the recorded supervisor still runs. A supervisor
// holds a file lock (LockFile) for its whole life, which the kernel
// releases when it dies: that decides, in whatever pid namespace either
// process is. Without a lock file (a record written elsewhere), the same
// process (pid and start time) on this host, not a zombie; a record of
// another host counts as alive: nothing here can tell.
func (r *Record) Alive() bool {
	if r.dir != "" {
		l, err := owner.TryLock(filepath.Join(r.dir, LockFile))
		if errors.Is(err, owner.ErrLocked) {
			return true
		}
		if err == nil {
			l.Unlock(false)
			if r.locked() {
				return false // it locked the file, and no longer holds it
			}
		}
	}
	o, err := owner.Parse(r.Owner)
	if err != nil {
		return false
	}
	alive, local := o.Alive()
	if !local {
		return true
	}
	return alive && !procstate.Exited(o.PID)
}

// processRuns reports whether the recorded process, when it is in this pid
// namespace, still runs: a supervisor releases its lock a moment before it
// exits, and down is done only when it has.
func (r *Record) processRuns() bool {
	o, err := owner.Parse(r.Owner)
	if err != nil {
		return false
	}
	alive, local := o.Alive()
	return local && alive && !procstate.Exited(o.PID)
}

// locked reports whether the supervisor recorded that it holds LockFile.
func (r *Record) locked() bool { return r.Lock != "" }
