package imapd

import (
	"errors"
	"fmt"
	"strings"
)

// selection is the selected mailbox as this session knows it.
type selection struct {
	name        string
	readOnly    bool
	uidValidity uint32
	uids        []uint32          // message sequence number i+1 is uids[i]
	flags       map[uint32]string // flags last reported, joined by spaces
	recent      map[uint32]bool   // messages \Recent in this session
}

// seqMessage is a message of the selection with its sequence number.
type seqMessage struct {
	seq    uint32
	recent bool
	Message
}

// flags are the message's flags as the session sees them.
func (m seqMessage) flags() []string { return withRecent(m.Flags, m.recent) }

// withRecent adds \Recent to stored flags, which never hold it.
func withRecent(flags []string, recent bool) []string {
	if !recent {
		return flags
	}
	return append(flags[:len(flags):len(flags)], flagRecent)
}

// claimRecent notes which of msgs, new to the session, are \Recent to it:
// those no read-write session has seen. A read-write session takes them,
// so that no later session sees them \Recent; a read-only one leaves them.
func (sel *selection) claimRecent(h *hub, user string, msgs []Message) {
	if len(msgs) == 0 {
		return
	}
	floor := h.claimRecent(user, sel.name, sel.uidValidity, msgs[len(msgs)-1].UID, !sel.readOnly)
	for _, m := range msgs {
		if m.UID > floor {
			sel.recent[m.UID] = true
		}
	}
}

// selectedMailbox reads the selected mailbox from the store. When it is
// gone (deleted, renamed, or replaced by another of the same name) the
// session cannot go on: it says BYE and ends after the tagged response.
func (s *session) selectedMailbox() (*Mailbox, status, bool) {
	mb, err := s.srv.store.Mailbox(s.ctx, s.user, s.sel.name)
	switch {
	case err == nil && mb.UIDValidity == s.sel.uidValidity:
		return mb, status{}, false
	case err != nil && !errors.Is(err, ErrNoMailbox):
		return nil, s.storeFailure("read mailbox", err), true
	}
	s.untagged("BYE Selected mailbox was deleted or renamed")
	s.state = stateLogout
	return nil, respNO("NONEXISTENT", "Selected mailbox no longer exists"), true
}

// messages returns the selected mailbox's messages in set (of sequence
// numbers, or of UIDs when uid), in order. Messages another session
// expunged are left out.
func (s *session) messages(set seqSet, uid bool) ([]seqMessage, status, bool) {
	sel := s.sel
	if !uid && set.maxFixed() > uint32(len(sel.uids)) {
		return nil, respBAD("Invalid message sequence number"), true
	}
	mb, st, failed := s.selectedMailbox()
	if failed {
		return nil, st, true
	}
	byUID := make(map[uint32]Message, len(mb.Messages))
	for _, m := range mb.Messages {
		byUID[m.UID] = m
	}
	var largestUID uint32
	if n := len(sel.uids); n > 0 {
		largestUID = sel.uids[n-1]
	}
	var out []seqMessage
	for i, u := range sel.uids {
		seq := uint32(i + 1)
		in := uid && set.contains(u, largestUID) || !uid && set.contains(seq, uint32(len(sel.uids)))
		if !in {
			continue
		}
		if m, found := byUID[u]; found {
			out = append(out, seqMessage{seq: seq, recent: sel.recent[u], Message: m})
		}
	}
	return out, status{}, false
}

// sync reports what changed in the selected mailbox since the session last
// looked: EXPUNGE for messages gone, FETCH FLAGS for flags another session
// changed, EXISTS and RECENT for new messages.
func (s *session) sync() (status, bool) {
	sel := s.sel
	mb, st, failed := s.selectedMailbox()
	if failed {
		return st, true
	}
	present := make(map[uint32]*Message, len(mb.Messages))
	for i := range mb.Messages {
		present[mb.Messages[i].UID] = &mb.Messages[i]
	}
	for i := len(sel.uids) - 1; i >= 0; i-- {
		if u := sel.uids[i]; present[u] == nil {
			s.untagged(fmt.Sprintf("%d EXPUNGE", i+1))
			delete(sel.flags, u)
			delete(sel.recent, u)
			sel.uids = append(sel.uids[:i], sel.uids[i+1:]...)
		}
	}
	for i, u := range sel.uids {
		flags := strings.Join(present[u].Flags, " ")
		if flags != sel.flags[u] {
			sel.flags[u] = flags
			s.untagged(fmt.Sprintf("%d FETCH (FLAGS (%s))", i+1,
				strings.Join(withRecent(present[u].Flags, sel.recent[u]), " ")))
		}
	}
	var last uint32
	if n := len(sel.uids); n > 0 {
		last = sel.uids[n-1]
	}
	var arrived []Message
	for _, m := range mb.Messages {
		if m.UID > last {
			sel.uids = append(sel.uids, m.UID)
			sel.flags[m.UID] = strings.Join(m.Flags, " ")
			arrived = append(arrived, m)
		}
	}
	if len(arrived) > 0 {
		sel.claimRecent(s.srv.hub, s.user, arrived)
		s.untagged(fmt.Sprintf("%d EXISTS", len(sel.uids)))
		s.untagged(fmt.Sprintf("%d RECENT", len(sel.recent)))
	}
	return status{}, false
}
