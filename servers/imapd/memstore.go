package imapd

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
)

// MemoryStore is an in-memory [Store] and [MailboxEditor]. Every user gets,
// on first use, an INBOX seeded with [SeedMessages] and empty Sent and Trash
// mailboxes. Nothing is persisted.
type MemoryStore struct {
	mu    sync.Mutex
	users map[string]*memUser
}

// memUser is one user's mailboxes.
type memUser struct {
	boxes map[string]*memMailbox
	// nextValidity is the UIDVALIDITY of the next mailbox made. Every
	// mailbox gets its own and keeps it when renamed, so a name never shows
	// two different mailboxes under one UIDVALIDITY.
	nextValidity uint32
}

type memMailbox struct {
	uidValidity uint32
	uidNext     uint32
	messages    []Message
}

// SeedUIDValidity is the UIDVALIDITY of every seeded INBOX of a
// [MemoryStore]. Sent and Trash get the next values, and mailboxes created
// later larger ones still.
const SeedUIDValidity = 1

// seededMailboxes are the mailboxes every user starts with, in LIST order.
var seededMailboxes = []string{"INBOX", "Sent", "Trash"}

var (
	_ Store         = (*MemoryStore)(nil)
	_ MailboxEditor = (*MemoryStore)(nil)
)

// NewMemoryStore returns an empty store that seeds users as they appear.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{users: map[string]*memUser{}}
}

// user returns user's mailboxes, seeding them on first use. mu is held.
func (s *MemoryStore) user(name string) *memUser {
	if u, ok := s.users[name]; ok {
		return u
	}
	u := &memUser{boxes: map[string]*memMailbox{}, nextValidity: SeedUIDValidity}
	for _, mb := range seededMailboxes {
		u.create(mb)
	}
	inbox := u.boxes["INBOX"]
	for _, m := range SeedMessages(name) {
		m.UID = inbox.uidNext
		inbox.uidNext++
		inbox.messages = append(inbox.messages, m)
	}
	s.users[name] = u
	return u
}

// create adds an empty mailbox with a new UIDVALIDITY.
func (u *memUser) create(name string) *memMailbox {
	mb := &memMailbox{uidValidity: u.nextValidity, uidNext: 1}
	u.nextValidity++
	u.boxes[name] = mb
	return mb
}

func (s *MemoryStore) mailbox(user, name string) (*memMailbox, error) {
	mb, ok := s.user(user).boxes[name]
	if !ok {
		return nil, fmt.Errorf("mailbox %q: %w", name, ErrNoMailbox)
	}
	return mb, nil
}

// Mailboxes lists user's mailboxes: INBOX first, each followed by the
// mailboxes below it.
func (s *MemoryStore) Mailboxes(_ context.Context, user string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Collect(maps.Keys(s.user(user).boxes))
	sortMailboxes(out)
	return out, nil
}

// CreateMailbox adds an empty mailbox.
func (s *MemoryStore) CreateMailbox(_ context.Context, user, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.user(user)
	if _, ok := u.boxes[name]; ok {
		return fmt.Errorf("create %q: %w", name, ErrMailboxExists)
	}
	u.create(name)
	return nil
}

// DeleteMailbox removes a mailbox other than INBOX, leaving those below it.
func (s *MemoryStore) DeleteMailbox(_ context.Context, user, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if name == "INBOX" {
		return fmt.Errorf("delete INBOX: %w", ErrNotAllowed)
	}
	u := s.user(user)
	if _, ok := u.boxes[name]; !ok {
		return fmt.Errorf("delete %q: %w", name, ErrNoMailbox)
	}
	delete(u.boxes, name)
	return nil
}

// RenameMailbox renames a mailbox and those below it; renaming INBOX moves
// its messages to a new mailbox.
func (s *MemoryStore) RenameMailbox(_ context.Context, user, from, to string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.user(user)
	src, ok := u.boxes[from]
	switch {
	case !ok:
		return fmt.Errorf("rename %q: %w", from, ErrNoMailbox)
	case from != "INBOX" && (to == from || isBelow(to, from)):
		return fmt.Errorf("rename %q to %q: %w", from, to, ErrNotAllowed)
	}
	if from == "INBOX" {
		if _, taken := u.boxes[to]; taken {
			return fmt.Errorf("rename INBOX to %q: %w", to, ErrMailboxExists)
		}
		dst := u.create(to)
		dst.uidNext = src.uidNext
		dst.messages, src.messages = src.messages, nil
		return nil
	}
	moved := map[string]*memMailbox{}
	for name, mb := range u.boxes {
		if name == from || isBelow(name, from) {
			moved[to+name[len(from):]] = mb
		}
	}
	for name := range u.boxes {
		if name == from || isBelow(name, from) {
			continue
		}
		if _, clash := moved[name]; clash {
			return fmt.Errorf("rename %q to %q: %q: %w", from, to, name, ErrMailboxExists)
		}
	}
	maps.DeleteFunc(u.boxes, func(name string, _ *memMailbox) bool {
		return name == from || isBelow(name, from)
	})
	maps.Copy(u.boxes, moved)
	return nil
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
