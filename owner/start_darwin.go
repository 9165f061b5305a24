package owner

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// StartTime reads a process's start time, in microseconds since the epoch,
// from the kern.proc.pid sysctl. It fails with ErrNoProcess when there is
// no such process (the kernel then returns no record).
func StartTime(pid int) (uint64, error) {
	k, err := unix.SysctlKinfoProc("kern.proc.pid", pid)
	if errors.Is(err, unix.EIO) || errors.Is(err, unix.ESRCH) {
		return 0, fmt.Errorf("pid %d: %w", pid, ErrNoProcess)
	}
	if err != nil {
		return 0, fmt.Errorf("pid %d: %w", pid, err)
	}
	t := k.Proc.P_starttime
	return uint64(t.Sec)*1_000_000 + uint64(t.Usec), nil
}
