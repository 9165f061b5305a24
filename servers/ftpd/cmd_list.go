package ftpd

import (
	"net"
	"strings"
	"sync/atomic"
)

// cmdLIST sends an "ls -l" listing of a directory, or of one file.
func (s *session) cmdLIST(arg string) {
	entries, ok := s.listEntries(stripListOptions(arg), false)
	if !ok {
		return
	}
	s.sendListing(s.lsLines(entries))
}

// cmdNLST sends bare names.
func (s *session) cmdNLST(arg string) {
	entries, ok := s.listEntries(stripListOptions(arg), false)
	if !ok {
		return
	}
	lines := make([]string, 0, len(entries))
	for _, e := range entries {
		lines = append(lines, e.name)
	}
	s.sendListing(lines)
}

// cmdMLSD sends RFC 3659 facts for each entry of a directory.
func (s *session) cmdMLSD(arg string) {
	entries, ok := s.listEntries(arg, true)
	if !ok {
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

// listEntries reads what a listing command names, or answers why it cannot
// (dirOnly: MLSD, which refuses files with 501).
func (s *session) listEntries(arg string, dirOnly bool) ([]entry, bool) {
	vpath := resolvePath(s.cwd, arg)
	if dirOnly {
		if st, err := s.view.stat(vpath); err == nil && !st.IsDir() {
			s.refuseTransfer(501, "Not a directory.")
			return nil, false
		}
	}
	entries, err := s.view.list(vpath)
	if err != nil {
		s.refuseTransfer(550, "No such file or directory.")
		return nil, false
	}
	return entries, true
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
