package ftpd

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"time"
)

// errLineTooLong is a control line longer than maxLine; it was discarded.
var errLineTooLong = errors.New("command line too long")

// lineResult is one control line read, or why none could be.
type lineResult struct {
	line []byte
	err  error
}

// session is one control connection. All its fields belong to the goroutine
// running serve; a helper goroutine reads control lines one at a time when
// asked (startRead), and transfers copy data in a goroutine of their own.
type session struct {
	srv  *Server
	log  *slog.Logger
	raw  net.Conn      // the accepted connection
	conn net.Conn      // raw, or TLS over raw after AUTH TLS
	br   *bufio.Reader // reads conn; used only by the reader goroutine while reading
	// reading is true while a reader goroutine owns br; its result arrives on lines.
	reading bool
	lines   chan lineResult
	pending []lineResult // lines read during a transfer, handled after it

	// Login state.
	user      string // from USER, until PASS
	loggedIn  bool
	login     string // who is logged in, for STAT and logs
	view      *view
	cwd       string
	failures  int // failed PASS attempts
	tlsOn     bool
	protected bool // PROT P: data connections use TLS

	// Transfer state.
	binary     bool
	restOffset int64
	renameFrom string
	data       dataOpener // set by PASV/EPSV/PORT/EPRT, used by the next transfer
	epsvAll    bool
	mlstFacts  map[string]bool // facts OPTS MLST selected

	quit     bool  // end after the current reply
	writeErr error // first reply that could not be written
}

func newSession(srv *Server, c net.Conn) *session {
	id := srv.nextSession.Add(1)
	return &session{
		srv:       srv,
		log:       srv.log.With("session", id, "remote", c.RemoteAddr().String()),
		raw:       c,
		conn:      c,
		br:        bufio.NewReaderSize(c, maxLine),
		lines:     make(chan lineResult, 1),
		cwd:       "/",
		mlstFacts: defaultMLSTFacts(),
	}
}

// serve runs the session until QUIT, a timeout, a write error or the client
// leaving.
func (s *session) serve() {
	defer s.cleanup()
	s.log.Debug("ftp session start")
	s.reply(220, "(testbed ftpd)")
	for !s.quit && s.writeErr == nil {
		r, ok := s.nextLine()
		if !ok {
			return
		}
		s.handleLine(r)
	}
}

func (s *session) cleanup() {
	s.closeData()
	if s.view != nil {
		s.view.close()
	}
	s.conn.Close()
	s.raw.Close()
	s.log.Debug("ftp session end", "user", s.login)
}

// startRead has a goroutine read the next control line into s.lines, unless
// one already is.
func (s *session) startRead() {
	if s.reading {
		return
	}
	s.reading = true
	br := s.br
	go func() {
		line, err := readLine(br)
		s.lines <- lineResult{line: line, err: err}
	}()
}

// nextLine returns the next control line: a pending one, or one read within
// the idle timeout. It returns false when the session must end.
func (s *session) nextLine() (lineResult, bool) {
	if len(s.pending) > 0 {
		r := s.pending[0]
		s.pending = s.pending[1:]
		return r, true
	}
	s.startRead()
	timer := time.NewTimer(s.srv.idleTimeout)
	defer timer.Stop()
	select {
	case r := <-s.lines:
		s.reading = false
		if r.err != nil && !errors.Is(r.err, errLineTooLong) {
			return r, false
		}
		return r, true
	case <-timer.C:
		s.reply(421, "Timeout.")
		return lineResult{}, false
	}
}

// readLine reads one line ending in LF. A longer line than maxLine is
// discarded up to its end and reported as errLineTooLong.
func readLine(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if err == nil {
		return append([]byte(nil), line...), nil
	}
	if !errors.Is(err, bufio.ErrBufferFull) {
		return nil, err
	}
	for errors.Is(err, bufio.ErrBufferFull) {
		_, err = br.ReadSlice('\n')
	}
	if err != nil {
		return nil, err
	}
	return nil, errLineTooLong
}

// handleLine parses and runs one control line.
func (s *session) handleLine(r lineResult) {
	if r.err != nil {
		s.reply(500, "Command line too long.")
		return
	}
	cmd, err := parseCommand(r.line)
	if err != nil {
		s.reply(500, "Syntax error: %s.", err.Error())
		return
	}
	if cmd.verb == "PASS" {
		s.log.Debug("ftp command", "verb", cmd.verb)
	} else {
		s.log.Debug("ftp command", "verb", cmd.verb, "arg", cmd.arg)
	}
	s.dispatch(cmd)
}

// reply writes a one-line reply. Reply text never holds CR or LF.
func (s *session) reply(code int, format string, args ...any) {
	s.write(fmt.Sprintf("%d %s\r\n", code, oneLine(fmt.Sprintf(format, args...))))
}

// replyLines writes a multi-line reply: first and last carry the code, the
// lines between are sent with a leading space.
func (s *session) replyLines(code int, first string, lines []string, last string) {
	var b strings.Builder
	fmt.Fprintf(&b, "%d-%s\r\n", code, oneLine(first))
	for _, l := range lines {
		b.WriteString(" ")
		b.WriteString(oneLine(l))
		b.WriteString("\r\n")
	}
	fmt.Fprintf(&b, "%d %s\r\n", code, oneLine(last))
	s.write(b.String())
}

func (s *session) write(text string) {
	if s.writeErr != nil {
		return
	}
	if err := s.conn.SetWriteDeadline(time.Now().Add(s.srv.idleTimeout)); err != nil {
		s.writeErr = err
		return
	}
	if _, err := s.conn.Write([]byte(text)); err != nil {
		s.writeErr = err
		s.log.Debug("ftp reply failed", "err", err)
	}
}

// oneLine replaces the characters that would end a reply line early.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
}

// remoteIP and localIP are the control connection's addresses; the zero
// Addr when the connection is not TCP.
func (s *session) remoteIP() netip.Addr { return addrIP(s.raw.RemoteAddr()) }
func (s *session) localIP() netip.Addr  { return addrIP(s.raw.LocalAddr()) }

func addrIP(a net.Addr) netip.Addr {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.AddrPort().Addr().Unmap()
	}
	return netip.Addr{}
}
