// Package imapappend delivers mail into an IMAP server's INBOX with IMAP
// APPEND (RFC 3501), logging in as the recipient. testbed's mail kind uses
// it to hand a copy of each message to the imap server of the same
// testbed, which runs in another process or container with its own
// memory: APPEND over the testbed network is the one way in that works the
// same in both drivers, needs nothing new from the IMAP server, and leaves
// the mail where any IMAP client sees it (with \Recent, and IDLE sessions
// told at once).
package imapappend

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
)

// Defaults of a Deliverer.
const (
	DefaultTimeout = 10 * time.Second       // one delivery, every attempt included
	retryPause     = 200 * time.Millisecond // between attempts while the server is not listening yet
)

// Dialer opens connections on the testbed (catalog.Env.Dialer).
type Dialer interface {
	DialContext(ctx context.Context, network, address string) (net.Conn, error)
}

// Deliverer appends each message to the INBOX of the IMAP server at Addr.
type Deliverer struct {
	Addr    string            // "imap:143", a name the Dialer resolves
	Dialer  Dialer            // required
	Users   map[string]string // IMAP logins by user name
	Timeout time.Duration     // 0 = DefaultTimeout
	Mailbox string            // "" = INBOX
}

// Deliver implements mailstore.Deliverer: it logs in as user, appends msg
// and logs out. A server that refuses the connection (still starting) is
// tried again until the timeout; every other failure is returned at once.
func (d *Deliverer) Deliver(ctx context.Context, user string, msg []byte) error {
	password, ok := d.Users[user]
	if !ok {
		return fmt.Errorf("imap append for %q: no IMAP login for that user", user)
	}
	timeout := d.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var conn net.Conn
	for {
		var err error
		conn, err = d.Dialer.DialContext(ctx, "tcp", d.Addr)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.ECONNREFUSED) || ctx.Err() != nil {
			return fmt.Errorf("imap append to %s: %w", d.Addr, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("imap append to %s: %w", d.Addr, err)
		case <-time.After(retryPause):
		}
	}
	if deadline, ok := ctx.Deadline(); ok {
		conn.SetDeadline(deadline)
	}
	c := imapclient.New(conn, nil)
	defer c.Close()
	if err := c.Login(user, password).Wait(); err != nil {
		return fmt.Errorf("imap append to %s: login as %s: %w", d.Addr, user, err)
	}
	mailbox := d.Mailbox
	if mailbox == "" {
		mailbox = "INBOX"
	}
	cmd := c.Append(mailbox, int64(len(msg)), nil)
	if _, err := cmd.Write(msg); err != nil {
		return fmt.Errorf("imap append to %s: write: %w", d.Addr, err)
	}
	if err := cmd.Close(); err != nil {
		return fmt.Errorf("imap append to %s: %w", d.Addr, err)
	}
	if _, err := cmd.Wait(); err != nil {
		return fmt.Errorf("imap append to %s: %w", d.Addr, err)
	}
	_ = c.Logout().Wait()
	return nil
}
