package imapd

import (
	"context"
	"errors"
	"time"
)

// Store is the mail behind a [Server]: per-user mailboxes of messages.
// Implementations must be safe for concurrent use; the server canonicalises
// "INBOX" (any case, also as the first level of a longer name) before
// calling them. Mailbox names form a hierarchy whose levels are separated
// by "/". A Store that also implements [MailboxEditor] lets clients create,
// delete and rename mailboxes.
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

// MailboxEditor is implemented by a [Store] whose mailboxes clients can
// create, delete and rename (RFC 3501 sections 6.3.3 to 6.3.5). The server checks the names
// it gives new mailboxes: never empty, no empty level, no wildcard, 7-bit.
type MailboxEditor interface {
	// CreateMailbox adds an empty mailbox ([ErrMailboxExists] when name is
	// taken). Its UIDVALIDITY must differ from that of any mailbox the name
	// had before.
	CreateMailbox(ctx context.Context, user, name string) error
	// DeleteMailbox removes a mailbox and its messages, but not the
	// mailboxes below it in the hierarchy ([ErrNoMailbox] when missing,
	// [ErrNotAllowed] for INBOX).
	DeleteMailbox(ctx context.Context, user, name string) error
	// RenameMailbox renames from, and every mailbox below it, to to
	// ([ErrNoMailbox] when from is missing, [ErrMailboxExists] when a new
	// name is taken, [ErrNotAllowed] when to is below from). Renaming INBOX
	// moves its messages to a new mailbox to and leaves INBOX empty; the
	// mailboxes below INBOX stay where they are.
	RenameMailbox(ctx context.Context, user, from, to string) error
}

// Errors a [Store] returns.
var (
	ErrNoMailbox     = errors.New("no such mailbox")
	ErrNoMessage     = errors.New("no such message")
	ErrMailboxExists = errors.New("mailbox exists")
	ErrNotAllowed    = errors.New("not allowed")
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
