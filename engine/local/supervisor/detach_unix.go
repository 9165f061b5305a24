//go:build unix

package supervisor

import (
	"errors"
	"syscall"
)

// Detached makes a background process (the supervisor, a docker
// project's forwarder) the leader of a session of its own, so that it
// outlives the terminal and process group of the CLI that starts it.
func Detached() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setsid: true}
}

// SendSignal sends sig to pid; a process already gone is not an error.
func SendSignal(pid int, sig syscall.Signal) error {
	err := syscall.Kill(pid, sig)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}
