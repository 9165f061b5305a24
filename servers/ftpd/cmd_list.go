package ftpd

import (
	"net"
	"path"
	"strings"
	"sync/atomic"
)

// cmdLIST sends an "ls -l" listing of a directory, of one file, or of the
// entries a glob matches (see matchEntries).
func (s *session) cmdLIST(arg string) {
	entries, _, ok := s.matchEntries(arg)
	if !ok {
		s.refuseTransfer(550, "No such file or directory.")
		return
	}
	s.sendListing(s.lsLines(entries))
}

// cmdNLST sends bare names; those a glob matched come with the glob's
// directory as the client wrote it ("NLST pub/*.bin" sends
// "pub/1MiB.bin"), as vsftpd does, so that a client can RETR each.
func (s *session) cmdNLST(arg string) {
	entries, dir, ok := s.matchEntries(arg)
	if !ok {
		s.refuseTransfer(550, "No such file or directory.")
		return
	}
	lines := make([]string, 0, len(entries))
	for _, e := range entries {
		lines = append(lines, dir+e.name)
	}
	s.sendListing(lines)
}

// matchEntries reads what the argument of LIST, NLST or STAT names, after
// dropping ls-style options ("-la"): the entries of a directory, or a
// file's own entry. When nothing has that name and its last element is a
// pattern (path.Match: "*.txt", "pub/?MiB.bin", "[a-c]*"), it reads the
// entries of the pattern's directory whose names match, which may be none:
// like vsftpd, a glob that matches nothing is an empty listing, not an
// error. dir is then the pattern's directory as given ("pub/"; "" for the
// current directory). ok is false when the path, or a pattern's directory,
// does not exist.
func (s *session) matchEntries(arg string) (entries []entry, dir string, ok bool) {
	arg = stripListOptions(arg)
	vpath := resolvePath(s.cwd, arg)
	entries, err := s.view.list(vpath)
	if err == nil {
		return entries, "", true
	}
	dir, pattern := path.Split(arg)
	if !isGlob(pattern) {
		return nil, "", false
	}
	base := resolvePath(s.cwd, dir)
	if st, err := s.view.stat(base); err != nil || !st.IsDir() {
		return nil, "", false
	}
	all, err := s.view.list(base)
	if err != nil {
		return nil, "", false
	}
	for _, e := range all {
		if match, _ := path.Match(pattern, e.name); match {
			entries = append(entries, e)
		}
	}
	return entries, dir, true
}

// isGlob reports whether name is a well-formed path.Match pattern with at
// least one wildcard.
func isGlob(name string) bool {
	if !strings.ContainsAny(name, "*?[") {
		return false
	}
	_, err := path.Match(name, "")
	return err == nil
}

// cmdMLSD sends RFC 3659 facts for each entry of a directory; unlike LIST,
// it takes no globs and refuses a file with 501.
func (s *session) cmdMLSD(arg string) {
	vpath := resolvePath(s.cwd, arg)
	if st, err := s.view.stat(vpath); err == nil && !st.IsDir() {
		s.refuseTransfer(501, "Not a directory.")
		return
	}
	entries, err := s.view.list(vpath)
	if err != nil {
		s.refuseTransfer(550, "No such file or directory.")
		return
	}
	lines := make([]string, 0, len(entries))
	for _, e := range entries {
		lines = append(lines, s.mlsxLine(e, e.name))
	}
	s.sendListing(lines)
}

// cmdMLST answers the facts of one path over the control connection.
func (s *session) cmdMLST(arg string) {
	vpath := resolvePath(s.cwd, arg)
	e, err := s.view.entry(vpath)
	if err != nil {
		s.reply(550, "No such file or directory.")
		return
	}
	s.replyLines(250, "Start of list for "+vpath, []string{s.mlsxLine(e, vpath)}, "End of list")
}

// sendListing sends lines, each ended by CRLF, over a data connection.
func (s *session) sendListing(lines []string) {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l)
		b.WriteString("\r\n")
	}
	data, timeout := b.String(), s.srv.dataTimeout
	s.transfer(transferJob{
		opening: "Here comes the directory listing.",
		work: func(dc net.Conn, progress *atomic.Int64) error {
			return copyData(dc, strings.NewReader(data), dc, timeout, progress)
		},
	})
}
