package imapd

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"
)

// state is a connection state of RFC 3501 section 3.
type state int

const (
	stateNotAuthenticated state = 1 << iota
	stateAuthenticated
	stateSelected
	stateLogout
)

const (
	maxBadCommands = 50              // consecutive BAD responses before the server hangs up
	byeTimeout     = 5 * time.Second // for the BYE sent to an idle client
)

// session is one client connection.
type session struct {
	srv      *Server
	ctx      context.Context
	conn     net.Conn
	tls      bool
	log      *slog.Logger
	r        lineReader
	bw       *bufio.Writer
	state    state
	user     string
	sel      *selection
	startTLS bool // upgrade after the tagged OK is flushed
	bad      int  // consecutive BAD responses
}

// status is the tagged response a command ends with.
type status struct {
	kind string // "OK", "NO" or "BAD"
	code string // response code without brackets, may be empty
	text string
}

func respOK(code, text string) status { return status{"OK", code, text} }
func respNO(code, text string) status { return status{"NO", code, text} }
func respBAD(format string, v ...any) status {
	return status{"BAD", "", fmt.Sprintf(format, v...)}
}

func newSession(srv *Server, c net.Conn, isTLS bool, log *slog.Logger) *session {
	s := &session{srv: srv, ctx: srv.ctx, tls: isTLS, log: log, state: stateNotAuthenticated}
	s.setConn(c)
	return s
}

// setConn (re)builds the buffered reader and writer over c.
func (s *session) setConn(c net.Conn) {
	s.conn = c
	var rd io.Reader = c
	var wr io.Writer = c
	if d := s.srv.debug; d != nil {
		rd = io.TeeReader(c, d)
		// The copy first: once the client has a reply, so has Debug.
		wr = io.MultiWriter(d, c)
	}
	s.r = lineReader{br: bufio.NewReader(rd), deadline: c.SetReadDeadline, timeout: s.srv.idle}
	s.bw = bufio.NewWriter(wr)
}

// run serves the connection until LOGOUT, an error or the server closing.
func (s *session) run() error {
	defer func() { s.conn.Close() }()
	s.writeDeadline()
	s.untagged("OK [CAPABILITY " + s.capabilities() + "] testbed IMAP4rev1 ready")
	if err := s.flush(); err != nil {
		return err
	}
	for {
		raw, err := s.r.readCommand(s.continuation)
		s.writeDeadline()
		var rej *rejectedError
		var fatal *fatalError
		switch {
		case errors.As(err, &rej):
			s.respond(rej.tag, respBAD("%s", rej.msg))
		case errors.As(err, &fatal), errors.Is(err, errLineTooLong):
			s.untagged("BYE " + err.Error())
			s.flush()
			return err
		case errors.Is(err, os.ErrDeadlineExceeded):
			s.conn.SetWriteDeadline(time.Now().Add(byeTimeout))
			s.untagged("BYE Autologout; idle for too long")
			s.flush()
			return err
		case err != nil:
			return err
		case len(bytes.TrimSpace(raw)) == 0:
			continue // tolerate empty lines
		default:
			s.execute(raw)
		}
		if err := s.flush(); err != nil {
			return err
		}
		if s.state == stateLogout {
			return nil
		}
		if s.bad >= maxBadCommands {
			s.untagged("BYE too many invalid commands")
			s.flush()
			return errors.New("too many invalid commands")
		}
		if s.startTLS {
			if err := s.upgradeTLS(); err != nil {
				return err
			}
		}
	}
}

// execute parses and runs one command and writes its tagged response.
func (s *session) execute(raw []byte) {
	cmd, err := parseCommand(raw)
	if err != nil {
		tag := "*"
		var pe *parseError
		if errors.As(err, &pe) && pe.tag != "" {
			tag = pe.tag
		}
		s.respond(tag, respBAD("%s", strings.TrimPrefix(err.Error(), "parse command: ")))
		return
	}
	s.respond(cmd.tag, s.dispatch(cmd))
}

func (s *session) respond(tag string, st status) {
	if st.kind == "BAD" {
		s.bad++
	} else {
		s.bad = 0
	}
	line := tag + " " + st.kind + " "
	if st.code != "" {
		line += "[" + st.code + "] "
	}
	s.writeLine(line + st.text)
}

// continuation asks the client for a synchronising literal.
func (s *session) continuation() error {
	s.writeLine("+ Ready for literal data")
	return s.flush()
}

func (s *session) untagged(text string) { s.writeLine("* " + text) }

func (s *session) writeLine(line string) {
	s.bw.WriteString(line)
	s.bw.WriteString("\r\n")
}

// writeDeadline bounds the writes of the command about to run.
func (s *session) writeDeadline() {
	s.conn.SetWriteDeadline(time.Now().Add(s.srv.idle))
}

func (s *session) flush() error {
	if err := s.bw.Flush(); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	return nil
}

// upgradeTLS runs the TLS handshake after STARTTLS.
func (s *session) upgradeTLS() error {
	s.startTLS = false
	// Bytes pipelined after STARTTLS were sent in the clear: drop them
	// rather than run them as if they came over TLS.
	if n := s.r.br.Buffered(); n > 0 {
		s.r.br.Discard(n)
	}
	tc := tls.Server(s.conn, s.srv.tls)
	ctx, cancel := context.WithTimeout(s.ctx, min(handshakeTimeout, s.srv.idle))
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		return fmt.Errorf("starttls handshake: %w", err)
	}
	s.tls = true
	s.setConn(tc)
	return nil
}

// capabilities lists what the server offers in the session's state.
func (s *session) capabilities() string {
	caps := []string{"IMAP4rev1", "LITERAL+", "SASL-IR", "IDLE", "NAMESPACE", "UNSELECT"}
	if s.state == stateNotAuthenticated {
		if s.srv.tls != nil && !s.tls {
			caps = append(caps, "STARTTLS")
		}
		caps = append(caps, "AUTH=PLAIN")
	}
	return strings.Join(caps, " ")
}
