package owner

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
)

// StartTime reads a process's start time, in clock ticks since boot, from
// /proc/<pid>/stat (field 22). It fails with ErrNoProcess when there is no
// such process.
func StartTime(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if errors.Is(err, fs.ErrNotExist) {
		if _, serr := os.Stat("/proc/self/stat"); serr == nil {
			return 0, fmt.Errorf("pid %d: %w", pid, ErrNoProcess)
		}
		return 0, fmt.Errorf("pid %d: no /proc to read: %w", pid, err)
	}
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
