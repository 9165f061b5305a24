//go:build unix

package supervisor

import (
	"errors"
	"syscall"
)

// detached makes the supervisor the leader of a session of its own, so
// that it outlives the terminal and process group of the CLI that starts
// it.
func detached() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setsid: true}
}

// sendSignal sends sig to pid; a process already gone is not an error.
func sendSignal(pid int, sig syscall.Signal) error {
	err := syscall.Kill(pid, sig)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}
