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
// first time.
//
// How much stays out depends on the file system: where the page cache
// holds the binary in large folios (ext4 on recent kernels), the first
// touch of a page maps its whole folio, up to 2 MB, again.
//
// Only mappings that hold no page of their own are dropped: a mapping with
// anonymous pages was written at some point, even if it is read-only now
// (the relocated RELRO segment of a position-independent build), and
// dropping it would bring back the bytes of the file.
func ExecutablePages() {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return
	}
	for _, m := range cleanMappings(exe) {
		// Best effort: a refusal leaves the pages where they were.
		syscall.Syscall(syscall.SYS_MADVISE, m.start, m.end-m.start, syscall.MADV_DONTNEED)
	}
}

// mapping is an address range of this process.
type mapping struct{ start, end uintptr }

// cleanMappings lists the mappings of file that are not writable and
// hold no anonymous (written) pages, from /proc/self/smaps.
func cleanMappings(file string) []mapping {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return nil
	}
	defer f.Close()
	var (
		out       []mapping
		cur       mapping
		candidate bool
	)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		switch {
		case len(fields) == 0:
		case strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":"):
			// A mapping's first line: start-end perms offset dev inode [path].
			candidate = false
			lo, hi, ok := strings.Cut(fields[0], "-")
			start, err1 := strconv.ParseUint(lo, 16, 64)
			end, err2 := strconv.ParseUint(hi, 16, 64)
			// The path is the rest of the line; a binary replaced on disk
			// since it started reads "path (deleted)", in maps and in
			// /proc/self/exe alike, and its pages are still there to drop.
			if ok && err1 == nil && err2 == nil && end > start && len(fields) >= 6 && strings.Join(fields[5:], " ") == file &&
				strings.HasPrefix(fields[1], "r") && !strings.Contains(fields[1], "w") {
				cur, candidate = mapping{uintptr(start), uintptr(end)}, true
			}
		case candidate && fields[0] == "Anonymous:":
			if len(fields) >= 2 && fields[1] == "0" {
				out = append(out, cur)
			}
			candidate = false
		}
	}
	if sc.Err() != nil {
		return nil
	}
	return out
}
