package imapd

import (
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
}

// seqMessage is a message of the selection with its sequence number.
type seqMessage struct {
	seq uint32
	Message
}

// messages returns the selected mailbox's messages in set (of sequence
// numbers, or of UIDs when uid), in order. Messages another session
// expunged are left out.
func (s *session) messages(set seqSet, uid bool) ([]seqMessage, status, bool) {
	sel := s.sel
	if !uid && set.maxFixed() > uint32(len(sel.uids)) {
		return nil, respBAD("Invalid message sequence number"), true
	}
	mb, err := s.srv.store.Mailbox(s.ctx, s.user, sel.name)
	if err != nil {
		return nil, s.storeFailure("read mailbox", err), true
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
			out = append(out, seqMessage{seq: seq, Message: m})
		}
	}
	return out, status{}, false
}

// sync reports what changed in the selected mailbox since the session last
// looked: EXPUNGE for messages gone, EXISTS for new ones, FETCH FLAGS for
// flags another session changed.
func (s *session) sync() (status, bool) {
	sel := s.sel
	mb, err := s.srv.store.Mailbox(s.ctx, s.user, sel.name)
	if err != nil {
		return s.storeFailure("read mailbox", err), true
	}
	present := make(map[uint32]*Message, len(mb.Messages))
	for i := range mb.Messages {
		present[mb.Messages[i].UID] = &mb.Messages[i]
	}
	for i := len(sel.uids) - 1; i >= 0; i-- {
		if _, found := present[sel.uids[i]]; !found {
			s.untagged(fmt.Sprintf("%d EXPUNGE", i+1))
			delete(sel.flags, sel.uids[i])
			sel.uids = append(sel.uids[:i], sel.uids[i+1:]...)
		}
	}
	for i, u := range sel.uids {
		flags := strings.Join(present[u].Flags, " ")
		if flags != sel.flags[u] {
			sel.flags[u] = flags
			s.untagged(fmt.Sprintf("%d FETCH (FLAGS (%s))", i+1, flags))
		}
	}
	var last uint32
	if n := len(sel.uids); n > 0 {
		last = sel.uids[n-1]
	}
	grew := false
	for _, m := range mb.Messages {
		if m.UID > last {
			sel.uids = append(sel.uids, m.UID)
			sel.flags[m.UID] = strings.Join(m.Flags, " ")
			grew = true
		}
	}
	if grew {
		s.untagged(fmt.Sprintf("%d EXISTS", len(sel.uids)))
		s.untagged("0 RECENT")
	}
	return status{}, false
}
