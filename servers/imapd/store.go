package imapd

import (
	"context"
	"errors"
	"time"
)

// Store is the mail behind a [Server]: per-user mailboxes of messages.
// Implementations must be safe for concurrent use; the server canonicalises
// "INBOX" (any case) before calling them.
type Store interface {
	// Mailboxes lists the names of user's mailboxes, INBOX first.
	Mailboxes(ctx context.Context, user string) ([]string, error)
	// Mailbox returns a snapshot of one mailbox ([ErrNoMailbox] when missing).
	Mailbox(ctx context.Context, user, name string) (*Mailbox, error)
	// SetFlags changes the flags of message uid and returns its new flags
	// ([ErrNoMessage] when it is gone).
	SetFlags(ctx context.Context, user, mailbox string, uid uint32, op FlagOp, flags []string) ([]string, error)
	// Expunge removes the messages flagged \Deleted and returns their UIDs.
	Expunge(ctx context.Context, user, mailbox string) ([]uint32, error)
	// Append stores msg (its UID is ignored) and returns the UID it got.
	Append(ctx context.Context, user, mailbox string, msg Message) (uint32, error)
}

// Errors a [Store] returns.
var (
	ErrNoMailbox = errors.New("no such mailbox")
	ErrNoMessage = errors.New("no such message")
)

// Message is one stored message.
type Message struct {
	UID          uint32
	Flags        []string  // system flags (\Seen, ...) and keywords; never \Recent
	InternalDate time.Time // when the message arrived
	Body         []byte    // the RFC 5322 message; never modified once stored
}

// Mailbox is a snapshot of one mailbox.
type Mailbox struct {
	Name        string
	UIDValidity uint32
	UIDNext     uint32
	Messages    []Message // in ascending UID order
}

// FlagOp says how [Store.SetFlags] combines flags.
type FlagOp int

// Flag operations, as STORE FLAGS, +FLAGS and -FLAGS.
const (
	FlagsReplace FlagOp = iota
	FlagsAdd
	FlagsRemove
)
