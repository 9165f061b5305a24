// Package mailstore is the mailboxes of testbed's built-in mail servers:
// what SMTP delivers into ([Deliverer]) and what POP3 reads and deletes
// from ([Store]), with an in-memory implementation ([Memory]). A mail
// server may hand a copy of each message to other Deliverers too, such as
// an IMAP server elsewhere on the testbed (servers/imapappend).
package mailstore

import (
	"context"
	"errors"
	"time"
)

// ErrNoUser is returned (wrapped) for a mailbox that does not exist.
var ErrNoUser = errors.New("no such mailbox")

// Message is one stored message.
type Message struct {
	UID      string    // unique in its mailbox and never reused (POP3 UIDL)
	Data     []byte    // the message as received, CRLF line ends
	Received time.Time // when it was delivered
}

// Deliverer takes a message for a user.
type Deliverer interface {
	// Deliver stores a copy of msg for user. It must not keep msg.
	Deliver(ctx context.Context, user string, msg []byte) error
}

// Store is a set of mailboxes that a reader can list and delete from.
type Store interface {
	Deliverer
	// HasUser reports whether user has a mailbox.
	HasUser(user string) bool
	// Messages returns user's messages, oldest first.
	Messages(user string) ([]Message, error)
	// Delete removes the messages with these UIDs; unknown UIDs are
	// ignored (another session may have deleted them).
	Delete(user string, uids []string) error
}
