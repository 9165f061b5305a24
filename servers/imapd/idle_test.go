package imapd

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// idleWait bounds every wait for a response pushed during IDLE.
const idleWait = 10 * time.Second

// startIdle sends IDLE and reads the continuation.
func startIdle(t *testing.T, c *rawClient, tag string) {
	t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(idleWait))
	c.send(tag + " IDLE")
	if got := c.line(); got != "+ idling" {
		t.Fatalf("IDLE = %q, want + idling", got)
	}
}

// await reads responses until want arrives (within the connection's read
// deadline) and returns the ones before it.
func (c *rawClient) await(want string) []string {
	c.t.Helper()
	var before []string
	for {
		l := c.readResponse()
		if l == want {
			return before
		}
		if strings.HasPrefix(l, "* BYE") || !strings.HasPrefix(l, "* ") {
			c.t.Fatalf("waiting for %q, got %q after %q", want, l, before)
		}
		before = append(before, l)
	}
}

// TestRawIdlePush checks that an idling session hears of what other
// sessions do to its mailbox as it happens, without sending anything.
func TestRawIdlePush(t *testing.T) {
	ts := startServer(t, Options{}, false)
	a := loggedIn(t, ts.plain)
	b := loggedIn(t, ts.plain)
	a.cmd("a", "SELECT INBOX")
	startIdle(t, a, "i")

	// Another session APPENDs: EXISTS, and the message is \Recent to a.
	b.cmd("b", "APPEND INBOX {11+}\r\nSubject: 1\r\n")
	expectLines(t, "after APPEND", []string{a.readResponse(), a.readResponse()}, []string{"* 5 EXISTS", "* 5 RECENT"})

	// COPY from another mailbox.
	b.cmd("b", "APPEND Sent {11+}\r\nSubject: 2\r\n")
	b.cmd("b", "SELECT Sent")
	b.cmd("b", "COPY 1 INBOX")
	expectLines(t, "after COPY", []string{a.readResponse(), a.readResponse()}, []string{"* 6 EXISTS", "* 6 RECENT"})

	// Flags another session stores.
	b.cmd("b", "SELECT INBOX")
	b.cmd("b", `STORE 1 +FLAGS.SILENT (\Flagged)`)
	expectLines(t, "after STORE", []string{a.readResponse()}, []string{`* 1 FETCH (FLAGS (\Flagged \Seen \Recent))`})

	// EXPUNGE; a may or may not see \Deleted set before the message goes.
	b.cmd("b", `STORE 2 +FLAGS.SILENT (\Deleted)`)
	b.cmd("b", "EXPUNGE")
	for _, l := range a.await("* 2 EXPUNGE") {
		if l != `* 2 FETCH (FLAGS (\Deleted \Recent))` {
			t.Errorf("before EXPUNGE got %q", l)
		}
	}

	a.send("DONE")
	expectLines(t, "DONE", a.until("i"), []string{"i OK IDLE terminated"})
	expectLines(t, "FETCH after IDLE", a.cmd("f", "FETCH 1:* UID"), []string{
		"* 1 FETCH (UID 1)", "* 2 FETCH (UID 3)", "* 3 FETCH (UID 4)", "* 4 FETCH (UID 5)", "* 5 FETCH (UID 6)", "f OK FETCH completed"})

	// Changes made between two IDLEs are reported when the next one starts.
	b.cmd("b", "APPEND INBOX {11+}\r\nSubject: 3\r\n")
	startIdle(t, a, "j")
	expectLines(t, "pending at IDLE", []string{a.readResponse(), a.readResponse()}, []string{"* 6 EXISTS", "* 5 RECENT"})
	a.send("done")
	expectLines(t, "DONE", a.until("j"), []string{"j OK IDLE terminated"})
}

func TestRawIdleEnds(t *testing.T) {
	ts := startServer(t, Options{}, false)

	t.Run("not DONE", func(t *testing.T) {
		c := loggedIn(t, ts.plain)
		c.cmd("a", "SELECT INBOX")
		startIdle(t, c, "i")
		c.send("NOOP")
		expectLines(t, "IDLE", c.until("i"), []string{"i BAD expected DONE"})
		expectLines(t, "NOOP", c.cmd("n", "NOOP"), []string{"n OK NOOP completed"})
	})

	t.Run("no mailbox selected", func(t *testing.T) {
		c := loggedIn(t, ts.plain)
		startIdle(t, c, "i")
		c.send("DONE")
		expectLines(t, "IDLE", c.until("i"), []string{"i OK IDLE terminated"})
	})

	t.Run("mailbox deleted", func(t *testing.T) {
		a := loggedIn(t, ts.plain)
		b := loggedIn(t, ts.plain)
		b.cmd("b", "CREATE Doomed")
		a.cmd("a", "SELECT Doomed")
		startIdle(t, a, "i")
		expectLines(t, "DELETE", b.cmd("b", "DELETE Doomed"), []string{"b OK DELETE completed"})
		if got := a.readResponse(); got != "* BYE Selected mailbox was deleted or renamed" {
			t.Errorf("after DELETE the idler got %q, want BYE", got)
		}
		// The tagged answer may not make it: the server hangs up.
		for {
			if _, err := a.br.ReadString('\n'); err != nil {
				if errors.Is(err, os.ErrDeadlineExceeded) {
					t.Errorf("read after BYE = %v, want the connection closed", err)
				}
				break
			}
		}
	})
}

func TestIdleTimeoutDuringIdle(t *testing.T) {
	ts := startServer(t, Options{IdleTimeout: 300 * time.Millisecond}, false)
	c := loggedIn(t, ts.plain)
	c.cmd("a", "SELECT INBOX")
	startIdle(t, c, "i")
	expectLines(t, "silent IDLE", c.until("i"), []string{"* BYE Autologout; idle for too long", "i BAD IDLE timed out"})
}

// TestCloseWhileIdling checks that Close ends idling sessions: Close
// returns only once every connection handler has, and an idling handler
// returns only after the goroutine reading the client's DONE has
// delivered, so a session stuck in IDLE would keep Close from returning.
func TestCloseWhileIdling(t *testing.T) {
	srv := New(Options{})
	l := listen(t)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	c := loggedIn(t, l.Addr().String())
	c.cmd("a", "SELECT INBOX")
	startIdle(t, c, "i")
	closeServer(t, srv, served)
	// The server hung up on the idler.
	c.conn.SetReadDeadline(time.Now().Add(idleWait))
	for {
		if _, err := c.br.ReadString('\n'); err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				t.Errorf("read after Close = %v, want the connection closed", err)
			}
			break
		}
	}
}

// TestClientIdle has go-imap's client idle on INBOX while another client
// appends, copies and expunges: the idler must hear of each without
// sending anything.
func TestClientIdle(t *testing.T) {
	ts := startServer(t, Options{}, false)
	exists := make(chan uint32, 16)
	expunged := make(chan uint32, 16)
	idler, err := imapclient.DialInsecure(ts.plain, &imapclient.Options{
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil {
					exists <- *d.NumMessages
				}
			},
			Expunge: func(seq uint32) { expunged <- seq },
		},
	})
	if err != nil {
		t.Fatalf("DialInsecure() = %v", err)
	}
	defer idler.Close()
	if err := idler.Login("imaptest", "password").Wait(); err != nil {
		t.Fatalf("Login() = %v", err)
	}
	if _, err := idler.Select("INBOX", nil).Wait(); err != nil {
		t.Fatalf("Select() = %v", err)
	}
	idle, err := idler.Idle()
	if err != nil {
		t.Fatalf("Idle() = %v", err)
	}
	await := func(what string, ch <-chan uint32, want uint32) {
		t.Helper()
		timeout := time.NewTimer(idleWait)
		defer timeout.Stop()
		for {
			select {
			case got := <-ch:
				if got == want {
					return
				}
				t.Logf("%s %d while waiting for %d", what, got, want)
			case <-timeout.C:
				t.Fatalf("no %s %d within %v", what, want, idleWait)
			}
		}
	}

	other := dialClient(t, ts.plain)
	if err := other.Login("imaptest", "password").Wait(); err != nil {
		t.Fatalf("Login() = %v", err)
	}
	body := []byte("Subject: pushed\r\n\r\nhi\r\n")
	app := other.Append("INBOX", int64(len(body)), nil)
	if _, err := app.Write(body); err != nil {
		t.Fatalf("Append write = %v", err)
	}
	if err := app.Close(); err != nil {
		t.Fatalf("Append() = %v", err)
	}
	if _, err := app.Wait(); err != nil {
		t.Fatalf("Append() = %v", err)
	}
	await("EXISTS", exists, 5)

	if _, err := other.Select("INBOX", nil).Wait(); err != nil {
		t.Fatalf("Select(INBOX) = %v", err)
	}
	if _, err := other.Copy(imap.SeqSetNum(2), "INBOX").Wait(); err != nil {
		t.Fatalf("Copy() = %v", err)
	}
	await("EXISTS", exists, 6)

	if err := other.Store(imap.SeqSetNum(1), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true,
		Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		t.Fatalf("Store() = %v", err)
	}
	if err := other.Expunge().Close(); err != nil {
		t.Fatalf("Expunge() = %v", err)
	}
	await("EXPUNGE", expunged, 1)

	if err := idle.Close(); err != nil {
		t.Fatalf("Idle.Close() = %v", err)
	}
	if err := idle.Wait(); err != nil {
		t.Fatalf("Idle.Wait() = %v", err)
	}
	if got := idler.Mailbox().NumMessages; got != 5 {
		t.Errorf("messages after IDLE = %d, want 5", got)
	}
}
