package imapd

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
)

// storeFailure turns a store error into a tagged NO.
func (s *session) storeFailure(op string, err error) status {
	switch {
	case errors.Is(err, ErrNoMailbox):
		return respNO("NONEXISTENT", "Mailbox does not exist")
	case errors.Is(err, ErrNoMessage):
		return respNO("", "Message no longer exists")
	case errors.Is(err, ErrMailboxExists):
		return respNO("ALREADYEXISTS", "Mailbox already exists")
	case errors.Is(err, ErrNotAllowed):
		return respNO("CANNOT", op+" not allowed")
	}
	s.log.Error("imapd: store failed", "op", op, "user", s.user, "err", err)
	return respNO("SERVERBUG", op+" failed")
}

func (s *session) cmdSelect(c *command) status {
	if len(c.args) != 1 || !c.args[0].isString() {
		return respBAD("%s needs a mailbox name", c.name)
	}
	// A failed SELECT leaves no mailbox selected (RFC 3501 6.3.1).
	s.sel, s.state = nil, stateAuthenticated
	name := mailboxName(c.args[0].s)
	mb, err := s.srv.store.Mailbox(s.ctx, s.user, name)
	if err != nil {
		return s.storeFailure(c.name, err)
	}
	sel := &selection{name: name, readOnly: c.name == "EXAMINE", uidValidity: mb.UIDValidity,
		flags: map[uint32]string{}, recent: map[uint32]bool{}}
	sel.claimRecent(s.srv.hub, s.user, mb.Messages)
	keywords := map[string]bool{}
	firstUnseen := 0
	for i, m := range mb.Messages {
		sel.uids = append(sel.uids, m.UID)
		sel.flags[m.UID] = strings.Join(m.Flags, " ")
		for _, f := range m.Flags {
			if !strings.HasPrefix(f, `\`) {
				keywords[f] = true
			}
		}
		if firstUnseen == 0 && !hasFlag(m.Flags, flagSeen) {
			firstUnseen = i + 1
		}
	}
	flags := append([]string(nil), systemFlags...)
	for _, k := range sortedKeys(keywords) {
		flags = append(flags, k)
	}
	var b bytes.Buffer
	writeFlags(&b, flags)
	s.untagged("FLAGS " + b.String())
	if sel.readOnly {
		s.untagged("OK [PERMANENTFLAGS ()] No permanent flags permitted")
	} else {
		b.Reset()
		writeFlags(&b, append(flags, `\*`))
		s.untagged("OK [PERMANENTFLAGS " + b.String() + "] Flags permitted")
	}
	s.untagged(fmt.Sprintf("%d EXISTS", len(sel.uids)))
	s.untagged(fmt.Sprintf("%d RECENT", len(sel.recent)))
	if firstUnseen > 0 {
		s.untagged(fmt.Sprintf("OK [UNSEEN %d] First unseen message", firstUnseen))
	}
	s.untagged(fmt.Sprintf("OK [UIDVALIDITY %d] UIDs valid", mb.UIDValidity))
	s.untagged(fmt.Sprintf("OK [UIDNEXT %d] Predicted next UID", mb.UIDNext))
	s.sel, s.state = sel, stateSelected
	if sel.readOnly {
		return respOK("READ-ONLY", c.name+" completed")
	}
	return respOK("READ-WRITE", c.name+" completed")
}

// cmdClose runs CLOSE (which expunges a read-write mailbox silently) and
// UNSELECT. Closing a mailbox that is gone just leaves it.
func (s *session) cmdClose(c *command) status {
	if len(c.args) != 0 {
		return respBAD("%s takes no arguments", c.name)
	}
	sel := s.sel
	s.sel, s.state = nil, stateAuthenticated
	if c.name == "CLOSE" && !sel.readOnly {
		mb, err := s.srv.store.Mailbox(s.ctx, s.user, sel.name)
		if errors.Is(err, ErrNoMailbox) || err == nil && mb.UIDValidity != sel.uidValidity {
			return respOK("", "CLOSE completed")
		}
		gone, err := s.srv.store.Expunge(s.ctx, s.user, sel.name)
		if err != nil {
			return s.storeFailure("CLOSE", err)
		}
		if len(gone) > 0 {
			s.srv.hub.changed(s.user, sel.name)
		}
	}
	return respOK("", c.name+" completed")
}

func (s *session) cmdExpunge(c *command) status {
	if len(c.args) != 0 {
		return respBAD("EXPUNGE takes no arguments")
	}
	if s.sel.readOnly {
		return respNO("READ-ONLY", "Mailbox is read-only")
	}
	if _, st, failed := s.selectedMailbox(); failed {
		return st
	}
	gone, err := s.srv.store.Expunge(s.ctx, s.user, s.sel.name)
	if err != nil {
		return s.storeFailure("EXPUNGE", err)
	}
	if len(gone) > 0 {
		s.srv.hub.changed(s.user, s.sel.name)
	}
	if st, failed := s.sync(); failed {
		return st
	}
	return respOK("", "EXPUNGE completed")
}
