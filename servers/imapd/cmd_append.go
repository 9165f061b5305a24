package imapd

import (
	"errors"
	"time"
)

// cmdAppend runs APPEND mailbox [(flags)] ["date-time"] literal.
func (s *session) cmdAppend(c *command) status {
	if len(c.args) < 2 || len(c.args) > 4 || !c.args[0].isString() {
		return respBAD("APPEND needs a mailbox name and a message")
	}
	name := mailboxName(c.args[0].s)
	msg := Message{InternalDate: time.Now()}
	rest := c.args[1:]
	if rest[0].kind == argList {
		flags, err := parseFlagList(rest[:1])
		if err != nil {
			return respBAD("%v", err)
		}
		msg.Flags = flags
		rest = rest[1:]
	}
	if len(rest) == 2 {
		if rest[0].kind != argQuoted {
			return respBAD("invalid APPEND date-time")
		}
		t, err := time.Parse(internalDateLayout, rest[0].s)
		if err != nil {
			return respBAD("invalid APPEND date-time %q", rest[0].s)
		}
		msg.InternalDate = t
		rest = rest[1:]
	}
	if len(rest) != 1 || rest[0].kind != argLiteral {
		return respBAD("APPEND needs the message as a literal")
	}
	msg.Body = []byte(rest[0].s)
	if _, err := s.srv.store.Append(s.ctx, s.user, name, msg); err != nil {
		if errors.Is(err, ErrNoMailbox) {
			return respNO("TRYCREATE", "Mailbox does not exist")
		}
		return s.storeFailure("APPEND", err)
	}
	s.srv.hub.changed(s.user, name)
	if s.state == stateSelected && s.sel.name == name {
		if st, failed := s.sync(); failed {
			return st
		}
	}
	return respOK("", "APPEND completed")
}

// cmdCopy runs COPY and UID COPY.
func (s *session) cmdCopy(c *command) status {
	if len(c.args) != 2 || c.args[0].kind != argAtom || !c.args[1].isString() {
		return respBAD("COPY needs a sequence set and a mailbox name")
	}
	set, err := parseSeqSet(c.args[0].s)
	if err != nil {
		return respBAD("%v", err)
	}
	msgs, st, failed := s.messages(set, c.uid)
	if failed {
		return st
	}
	dest := mailboxName(c.args[1].s)
	if _, err := s.srv.store.Mailbox(s.ctx, s.user, dest); err != nil {
		if errors.Is(err, ErrNoMailbox) {
			return respNO("TRYCREATE", "Mailbox does not exist")
		}
		return s.storeFailure("COPY", err)
	}
	copied := 0
	for _, m := range msgs {
		if _, err = s.srv.store.Append(s.ctx, s.user, dest, m.Message); err != nil {
			break
		}
		copied++
	}
	if copied > 0 {
		s.srv.hub.changed(s.user, dest)
	}
	if err != nil {
		return s.storeFailure("COPY", err)
	}
	if dest == s.sel.name {
		if st, failed := s.sync(); failed {
			return st
		}
	}
	return respOK("", "COPY completed")
}
