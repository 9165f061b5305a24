// Package procstate tells, from /proc, whether a process that may still be
// listed has really finished: every thread of it gone, so it holds no file
// or socket any more.
package procstate

import (
	"os"
	"strconv"
	"strings"
)

// Exited reports whether pid has exited and only waits to be reaped. A
// process whose first thread shows as a zombie is not yet exited while
// other threads of it still run their exit (a Go program has several):
// they share its files, so its listening sockets still accept until the
// last one is gone. Where there is no /proc (not Linux) it reports false.
func Exited(pid int) bool {
	zombie, threads := leader(pid)
	return zombie && threads <= 1
}

// Exiting reports whether pid's first thread has exited while other
// threads of it still run their exit: it is going, but still holds its
// files (and its command line reads empty).
func Exiting(pid int) bool {
	zombie, threads := leader(pid)
	return zombie && threads > 1
}

// leader says whether pid's first thread is a zombie, and how many threads
// are listed (the zombie among them).
func leader(pid int) (zombie bool, threads int) {
	dir := "/proc/" + strconv.Itoa(pid)
	b, err := os.ReadFile(dir + "/stat")
	if err != nil {
		return false, 0
	}
	s := string(b)
	k := strings.LastIndexByte(s, ')')
	if k < 0 || k+2 >= len(s) {
		return false, 0
	}
	if state := s[k+2]; state != 'Z' && state != 'X' {
		return false, 0
	}
	tasks, err := os.ReadDir(dir + "/task")
	if err != nil {
		return true, 0
	}
	return true, len(tasks)
}
