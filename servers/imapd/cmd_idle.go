package imapd

import (
	"errors"
	"os"
	"strings"
)

// cmdIdle runs IDLE (RFC 2177): until the client sends DONE, changes other
// sessions make to the selected mailbox (new messages, expunges, flags) are
// reported as they happen.
func (s *session) cmdIdle(c *command) status {
	if len(c.args) != 0 {
		return respBAD("IDLE takes no arguments")
	}
	var changes <-chan struct{} // nil, never ready, without a mailbox
	if s.state == stateSelected {
		ch, stop := s.srv.hub.watch(s.user, s.sel.name)
		defer stop()
		changes = ch
	}
	s.writeLine("+ idling")
	if err := s.flush(); err != nil {
		s.state = stateLogout
		return respBAD("%v", err)
	}

	// The client's next line is read aside, so that changes can be written
	// meanwhile; the session's reader is the reading goroutine's alone until
	// it has sent its result.
	type result struct {
		line []byte
		err  error
	}
	lines := make(chan result, 1)
	go func() {
		line, err := s.r.readLine()
		lines <- result{line, err}
	}()
	// Report what changed before IDLE began, then each change.
	pending := s.state == stateSelected
	for {
		if pending {
			pending = false
			s.writeDeadline()
			s.sync() // a failure says BYE; a store error has been logged
			if err := s.flush(); err != nil || s.state == stateLogout {
				s.conn.Close() // ends the read
				<-lines
				s.state = stateLogout
				if err != nil {
					return respBAD("%v", err)
				}
				return respNO("NONEXISTENT", "Selected mailbox no longer exists")
			}
		}
		select {
		case <-changes:
			pending = true
		case r := <-lines:
			return s.idleDone(r.line, r.err)
		}
	}
}

// idleDone ends IDLE with the line the client sent.
func (s *session) idleDone(line []byte, err error) status {
	s.writeDeadline()
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		s.untagged("BYE Autologout; idle for too long")
		s.state = stateLogout
		return respBAD("IDLE timed out")
	case err != nil:
		s.state = stateLogout // the connection is unusable
		return respBAD("%v", err)
	case !strings.EqualFold(string(line), "DONE"):
		return respBAD("expected DONE")
	}
	if s.state == stateSelected {
		if st, failed := s.sync(); failed {
			return st
		}
	}
	return respOK("", "IDLE terminated")
}
