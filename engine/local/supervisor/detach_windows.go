package supervisor

import (
	"os"
	"syscall"

	"golang.org/x/sys/windows"
)

// Detached starts the supervisor in a process group of its own, so that
// the console's Ctrl-C does not reach it.
func Detached() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{CreationFlags: windows.CREATE_NEW_PROCESS_GROUP}
}

// SendSignal ends pid: Windows has no SIGTERM to send, so every signal
// terminates the process.
func SendSignal(pid int, _ syscall.Signal) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return nil // gone
	}
	defer p.Release()
	if err := p.Kill(); err != nil && err != os.ErrProcessDone {
		return err
	}
	return nil
}
