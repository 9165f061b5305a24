package imapd

import (
	"context"
	"fmt"
	"slices"
	"sync"
)

// MemoryStore is an in-memory [Store]. Every user gets, on first use, an
// INBOX seeded with [SeedMessages] and empty Sent and Trash mailboxes.
// Nothing is persisted.
type MemoryStore struct {
	mu    sync.Mutex
	users map[string]map[string]*memMailbox
}

type memMailbox struct {
	uidValidity uint32
	uidNext     uint32
	messages    []Message
}

// SeedUIDValidity is the UIDVALIDITY of every mailbox of a [MemoryStore].
const SeedUIDValidity = 1

// seededMailboxes are the mailboxes every user has, in LIST order.
var seededMailboxes = []string{"INBOX", "Sent", "Trash"}

var _ Store = (*MemoryStore)(nil)

// NewMemoryStore returns an empty store that seeds users as they appear.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{users: map[string]map[string]*memMailbox{}}
}

// user returns user's mailboxes, seeding them on first use. mu is held.
func (s *MemoryStore) user(name string) map[string]*memMailbox {
	if u, ok := s.users[name]; ok {
		return u
	}
	u := map[string]*memMailbox{}
	for _, mb := range seededMailboxes {
		u[mb] = &memMailbox{uidValidity: SeedUIDValidity, uidNext: 1}
	}
	inbox := u["INBOX"]
	for _, m := range SeedMessages(name) {
		m.UID = inbox.uidNext
		inbox.uidNext++
		inbox.messages = append(inbox.messages, m)
	}
	s.users[name] = u
	return u
}

func (s *MemoryStore) mailbox(user, name string) (*memMailbox, error) {
	mb, ok := s.user(user)[name]
	if !ok {
		return nil, fmt.Errorf("mailbox %q: %w", name, ErrNoMailbox)
	}
	return mb, nil
}

// Mailboxes lists user's mailboxes.
func (s *MemoryStore) Mailboxes(_ context.Context, user string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, name := range seededMailboxes {
		if _, ok := s.user(user)[name]; ok {
			out = append(out, name)
		}
	}
	return out, nil
}

// Mailbox returns a snapshot of one mailbox.
func (s *MemoryStore) Mailbox(_ context.Context, user, name string) (*Mailbox, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mb, err := s.mailbox(user, name)
	if err != nil {
		return nil, err
	}
	out := &Mailbox{Name: name, UIDValidity: mb.uidValidity, UIDNext: mb.uidNext,
		Messages: make([]Message, len(mb.messages))}
	for i, m := range mb.messages {
		m.Flags = slices.Clone(m.Flags)
		out.Messages[i] = m
	}
	return out, nil
}

// SetFlags changes the flags of one message.
func (s *MemoryStore) SetFlags(_ context.Context, user, mailbox string, uid uint32, op FlagOp, flags []string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mb, err := s.mailbox(user, mailbox)
	if err != nil {
		return nil, err
	}
	i, found := slices.BinarySearchFunc(mb.messages, uid, func(m Message, uid uint32) int {
		return int(int64(m.UID) - int64(uid))
	})
	if !found {
		return nil, fmt.Errorf("uid %d in %q: %w", uid, mailbox, ErrNoMessage)
	}
	m := &mb.messages[i]
	m.Flags = applyFlags(m.Flags, op, flags)
	return slices.Clone(m.Flags), nil
}

// Expunge removes the messages flagged \Deleted.
func (s *MemoryStore) Expunge(_ context.Context, user, mailbox string) ([]uint32, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mb, err := s.mailbox(user, mailbox)
	if err != nil {
		return nil, err
	}
	var gone []uint32
	mb.messages = slices.DeleteFunc(mb.messages, func(m Message) bool {
		if hasFlag(m.Flags, flagDeleted) {
			gone = append(gone, m.UID)
			return true
		}
		return false
	})
	return gone, nil
}

// Append stores a message.
func (s *MemoryStore) Append(_ context.Context, user, mailbox string, msg Message) (uint32, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	mb, err := s.mailbox(user, mailbox)
	if err != nil {
		return 0, err
	}
	msg.UID = mb.uidNext
	msg.Flags = applyFlags(nil, FlagsReplace, msg.Flags)
	mb.uidNext++
	mb.messages = append(mb.messages, msg)
	return msg.UID, nil
}
