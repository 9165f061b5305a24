package ftpd

import (
	"fmt"
	"io/fs"
	"strings"
	"time"
)

// mlstFactNames are the MLST/MLSD facts served, in the order they are sent.
var mlstFactNames = []string{"type", "size", "modify", "perm"}

func defaultMLSTFacts() map[string]bool {
	m := map[string]bool{}
	for _, f := range mlstFactNames {
		m[f] = true
	}
	return m
}

// selectMLSTFacts parses the argument of OPTS MLST ("type;size;").
func selectMLSTFacts(value string) map[string]bool {
	m := map[string]bool{}
	for _, f := range strings.Split(value, ";") {
		f = strings.ToLower(strings.TrimSpace(f))
		for _, known := range mlstFactNames {
			if f == known {
				m[f] = true
			}
		}
	}
	return m
}

// mlstFeature is the FEAT line's fact list, selected facts starred.
func mlstFeature(selected map[string]bool) string {
	var b strings.Builder
	for _, f := range mlstFactNames {
		b.WriteString(f)
		if selected[f] {
			b.WriteString("*")
		}
		b.WriteString(";")
	}
	return b.String()
}

// mlstSelected is the reply text of OPTS MLST.
func mlstSelected(selected map[string]bool) string {
	var b strings.Builder
	for _, f := range mlstFactNames {
		if selected[f] {
			b.WriteString(f + ";")
		}
	}
	return b.String()
}

// stripListOptions drops ls-style options ("-la") in front of a LIST, NLST
// or STAT argument, as vsftpd does.
func stripListOptions(arg string) string {
	for strings.HasPrefix(arg, "-") {
		_, rest, _ := strings.Cut(arg, " ")
		arg = strings.TrimLeft(rest, " ")
	}
	return arg
}

// lsLines formats entries like "ls -l", one line each.
func (s *session) lsLines(entries []entry) []string {
	lines := make([]string, 0, len(entries))
	for _, e := range entries {
		lines = append(lines, s.lsLine(e))
	}
	return lines
}

// lsLine formats e like "ls -l": files the user may not read show no
// permission bits at all.
func (s *session) lsLine(e entry) string {
	mode := e.info.Mode()
	if mode.IsRegular() && !s.view.can(e.vpath, accessRead) {
		mode &^= fs.ModePerm
	}
	links := 1
	if mode.IsDir() {
		links = 2
	}
	line := fmt.Sprintf("%s %4d %-8s %-8s %12d %s %s",
		lsMode(mode), links, "ftp", "ftp", e.info.Size(), lsTime(e.info.ModTime(), time.Now()), e.name)
	if e.target != "" {
		line += " -> " + e.target
	}
	return line
}

// lsMode is mode as "drwxr-xr-x".
func lsMode(m fs.FileMode) string {
	b := []byte("----------")
	switch {
	case m.IsDir():
		b[0] = 'd'
	case m&fs.ModeSymlink != 0:
		b[0] = 'l'
	case m&fs.ModeNamedPipe != 0:
		b[0] = 'p'
	case m&fs.ModeSocket != 0:
		b[0] = 's'
	case m&fs.ModeCharDevice != 0:
		b[0] = 'c'
	case m&fs.ModeDevice != 0:
		b[0] = 'b'
	}
	const rwx = "rwxrwxrwx"
	for i := range 9 {
		if m&(1<<(8-i)) != 0 {
			b[i+1] = rwx[i]
		}
	}
	return string(b)
}

// lsTime is "Jan  2 15:04" for times within six months of now, "Jan  2  2006"
// otherwise, in UTC.
func lsTime(t, now time.Time) string {
	t = t.UTC()
	if t.After(now.AddDate(0, -6, 0)) && t.Before(now.Add(24*time.Hour)) {
		return t.Format("Jan _2 15:04")
	}
	return t.Format("Jan _2  2006")
}

// mlsxTime is the MDTM and MLSx time format, in UTC.
func mlsxTime(t time.Time) string { return t.UTC().Format("20060102150405") }

// mlsxLine formats e as RFC 3659 facts followed by a space and name.
func (s *session) mlsxLine(e entry, name string) string {
	info := e.info
	if info.Mode()&fs.ModeSymlink != 0 {
		if target, err := s.view.stat(e.vpath); err == nil {
			info = target
		}
	}
	var b strings.Builder
	for _, f := range mlstFactNames {
		if !s.mlstFacts[f] {
			continue
		}
		switch f {
		case "type":
			switch {
			case info.IsDir():
				b.WriteString("type=dir;")
			case info.Mode().IsRegular():
				b.WriteString("type=file;")
			case info.Mode()&fs.ModeSymlink != 0:
				b.WriteString("type=OS.unix=symlink;")
			default:
				b.WriteString("type=OS.unix=special;")
			}
		case "size":
			fmt.Fprintf(&b, "size=%d;", info.Size())
		case "modify":
			fmt.Fprintf(&b, "modify=%s;", mlsxTime(info.ModTime()))
		case "perm":
			fmt.Fprintf(&b, "perm=%s;", s.perm(e.vpath, info.IsDir()))
		}
	}
	b.WriteString(" ")
	b.WriteString(name)
	return b.String()
}

// perm is the RFC 3659 perm fact for vpath.
func (s *session) perm(vpath string, dir bool) string {
	a := s.view.access(vpath)
	var b strings.Builder
	if dir {
		b.WriteString("el")
		if a&accessCreate != 0 {
			b.WriteString("cm")
		}
		if a&accessDelete != 0 {
			b.WriteString("dfp")
		}
		return b.String()
	}
	if a&accessRead != 0 {
		b.WriteString("r")
	}
	if a&accessWrite != 0 {
		b.WriteString("aw")
	}
	if a&accessDelete != 0 {
		b.WriteString("df")
	}
	return b.String()
}
