package imapappend

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/testbed-dev/testbed/servers/imapd"
	"github.com/testbed-dev/testbed/servers/internal/servertest"
)

// A message appended through the Deliverer is in the INBOX of testbed's
// IMAP server, read back with go-imap's client.
func TestDeliverToIMAPServer(t *testing.T) {
	srv := imapd.New(imapd.Options{Users: map[string]string{"ann": "secret"}})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })

	d := &Deliverer{Addr: "imap:143", Dialer: servertest.DialerTo(l.Addr().String()), Users: map[string]string{"ann": "secret"}}
	msg := "From: a@example.test\r\nTo: ann@example.test\r\nSubject: appended\r\n\r\nhello\r\n"
	if err := d.Deliver(context.Background(), "ann", []byte(msg)); err != nil {
		t.Fatalf("Deliver() = %v", err)
	}
	if err := d.Deliver(context.Background(), "bob", []byte(msg)); err == nil {
		t.Error("Deliver(bob) = nil, want an error for a user without a login")
	}

	c, err := imapclient.DialInsecure(l.Addr().String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("ann", "secret").Wait(); err != nil {
		t.Fatal(err)
	}
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := c.Fetch(imap.SeqSetNum(sel.NumMessages), &imap.FetchOptions{Envelope: true}).Collect()
	if err != nil || len(msgs) != 1 || msgs[0].Envelope.Subject != "appended" {
		t.Fatalf("last INBOX message = %+v, %v; want Subject appended", msgs, err)
	}
}

// Without an IMAP server the delivery fails fast with the dial's error.
func TestDeliverNoServer(t *testing.T) {
	addr := servertest.ClosedPort(t)
	d := &Deliverer{Addr: "imap:143", Dialer: servertest.DialerTo(addr), Users: map[string]string{"ann": "x"}, Timeout: 500 * time.Millisecond}
	start := time.Now()
	err := d.Deliver(context.Background(), "ann", []byte("x"))
	if err == nil || !strings.Contains(err.Error(), "imap:143") {
		t.Errorf("Deliver() = %v, want a dial error naming imap:143", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("Deliver() took %v, want it bounded by its timeout", time.Since(start))
	}
	forbidden := errors.New("destination not allowed")
	d.Dialer = servertest.DialerFunc(func(context.Context, string, string) (net.Conn, error) { return nil, forbidden })
	if err := d.Deliver(context.Background(), "ann", []byte("x")); !errors.Is(err, forbidden) {
		t.Errorf("Deliver() = %v, want the dialer's error at once", err)
	}
}
