package trim

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// ExecutablePages asks the kernel to unmap the pages of this program's
// read-only mappings of its own file (its code and read-only data) that
// are resident, mostly those start-up touched: package initialisation of
// everything linked in (the compose loader, the CLI, the engine client)
// that a server never runs again. The pages stay in the page cache; those
// the server still uses come back on their next use, as they came the
// first time. Written (copy-on-write) mappings are never touched, so
// nothing the program changed is lost.
func ExecutablePages() {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return
	}
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// start-end perms offset dev inode path
		fields := strings.Fields(sc.Text())
		if len(fields) != 6 || fields[5] != exe || !strings.HasPrefix(fields[1], "r") || strings.Contains(fields[1], "w") {
			continue
		}
		lo, hi, ok := strings.Cut(fields[0], "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			continue
		}
		// Best effort: a refusal leaves the pages where they were.
		syscall.Syscall(syscall.SYS_MADVISE, uintptr(start), uintptr(end-start), syscall.MADV_DONTNEED)
	}
}
