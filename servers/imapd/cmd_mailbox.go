package imapd

import "strings"

// editor returns the store as a [MailboxEditor], or the NO to answer when
// it is not one.
func (s *session) editor(cmd string) (MailboxEditor, status, bool) {
	ed, ok := s.srv.store.(MailboxEditor)
	if !ok {
		return nil, respNO("CANNOT", cmd+" is not supported by this server's store"), true
	}
	return ed, status{}, false
}

// cmdCreate runs CREATE (RFC 3501 section 6.3.3). A trailing delimiter
// is dropped; the levels above the new name need no mailboxes of their
// own. The new mailbox is subscribed, so that LSUB shows it too, until it
// is deleted (unless the client subscribes to it itself meanwhile).
func (s *session) cmdCreate(c *command) status {
	if len(c.args) != 1 || !c.args[0].isString() {
		return respBAD("CREATE needs a mailbox name")
	}
	name := mailboxName(strings.TrimSuffix(c.args[0].s, delimiter))
	if name == "INBOX" {
		return respNO("ALREADYEXISTS", "INBOX always exists")
	}
	if err := checkMailboxName(name); err != nil {
		return respNO("CANNOT", err.Error())
	}
	ed, st, failed := s.editor("CREATE")
	if failed {
		return st
	}
	if err := ed.CreateMailbox(s.ctx, s.user, name); err != nil {
		return s.storeFailure("CREATE", err)
	}
	if err := s.srv.subs.created(s.user, name, s.storeMailboxes); err != nil {
		return s.storeFailure("CREATE", err)
	}
	return respOK("", "CREATE completed")
}

// cmdDelete runs DELETE (RFC 3501 section 6.3.4). The mailboxes below the
// deleted one stay, and its name then lists as \Noselect. Subscriptions
// stay too (RFC 3501 section 6.3.6), but for the one CREATE made on its
// own. Deleting the selected mailbox leaves the selected state; other
// sessions that have it selected, idling or at their next command, are
// told BYE.
func (s *session) cmdDelete(c *command) status {
	if len(c.args) != 1 || !c.args[0].isString() {
		return respBAD("DELETE needs a mailbox name")
	}
	name := mailboxName(c.args[0].s)
	if name == "INBOX" {
		return respNO("CANNOT", "INBOX cannot be deleted")
	}
	ed, st, failed := s.editor("DELETE")
	if failed {
		return st
	}
	if err := ed.DeleteMailbox(s.ctx, s.user, name); err != nil {
		return s.storeFailure("DELETE", err)
	}
	if s.state == stateSelected && s.sel.name == name {
		s.sel, s.state = nil, stateAuthenticated
	}
	s.srv.hub.deleted(s.user, name)
	s.srv.subs.deleted(s.user, name)
	return respOK("", "DELETE completed")
}

// cmdRename runs RENAME (RFC 3501 section 6.3.5): the mailboxes below the
// renamed one follow it, and so do subscriptions. Renaming INBOX moves its
// messages to the new mailbox and leaves INBOX empty. The session follows
// a rename of its selected mailbox; other sessions with it selected are
// told BYE at their next command.
func (s *session) cmdRename(c *command) status {
	if len(c.args) != 2 || !c.args[0].isString() || !c.args[1].isString() {
		return respBAD("RENAME needs two mailbox names")
	}
	from, to := mailboxName(c.args[0].s), mailboxName(c.args[1].s)
	if to == "INBOX" {
		return respNO("ALREADYEXISTS", "INBOX always exists")
	}
	if err := checkMailboxName(to); err != nil {
		return respNO("CANNOT", err.Error())
	}
	ed, st, failed := s.editor("RENAME")
	if failed {
		return st
	}
	if err := ed.RenameMailbox(s.ctx, s.user, from, to); err != nil {
		return s.storeFailure("RENAME", err)
	}
	s.srv.hub.renamed(s.user, from, to)
	if err := s.srv.subs.renamed(s.user, from, to, s.storeMailboxes); err != nil {
		return s.storeFailure("RENAME", err)
	}
	if s.state == stateSelected {
		switch sel := s.sel; {
		case from == "INBOX" && sel.name == "INBOX":
			if st, failed := s.sync(); failed { // its messages are gone
				return st
			}
		case from != "INBOX" && (sel.name == from || isBelow(sel.name, from)):
			sel.name = to + sel.name[len(from):]
		}
	}
	return respOK("", "RENAME completed")
}
