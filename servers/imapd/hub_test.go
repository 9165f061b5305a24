package imapd

import (
	"fmt"
	"testing"
)

// size returns the number of mailboxes h holds state for.
func (h *hub) size() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.boxes)
}

// subscribedCount returns the number of names user is subscribed to.
func (s *subscriptions) subscribedCount(user string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.users[user])
}

// A client that makes, uses and deletes mailboxes of new names over and
// over leaves the server holding no more than before: DELETE drops what
// the hub and the subscriptions kept for a name, and RENAME what they kept
// for the old name.
func TestMailboxChurnLeavesNothing(t *testing.T) {
	ts := startServer(t, Options{}, false)
	c := loggedIn(t, ts.plain)
	c.cmd("a", "SELECT INBOX") // INBOX's \Recent state stays: INBOX does
	c.cmd("a", `LSUB "" *`)    // the user's subscriptions, as at the start
	hubSize, subs := ts.srv.hub.size(), ts.srv.subs.subscribedCount(DefaultUser)

	const rounds = 20
	for i := range rounds {
		for _, cmd := range []string{
			fmt.Sprintf("CREATE Box%d", i),
			fmt.Sprintf("APPEND Box%d {11+}\r\nSubject: a\r\n", i),
			fmt.Sprintf("SELECT Box%d", i), // claims the \Recent message
			fmt.Sprintf("STATUS Box%d (RECENT)", i),
			fmt.Sprintf("DELETE Box%d", i),

			fmt.Sprintf("CREATE Old%d", i),
			fmt.Sprintf("CREATE Old%d/Sub", i),
			fmt.Sprintf("APPEND Old%d/Sub {11+}\r\nSubject: a\r\n", i),
			fmt.Sprintf("SELECT Old%d/Sub", i),
			fmt.Sprintf("RENAME Old%d New%d", i, i), // the selection follows
			"CLOSE",
			fmt.Sprintf("SELECT New%d/Sub", i),
			fmt.Sprintf("DELETE New%d/Sub", i),
			fmt.Sprintf("DELETE New%d", i),
		} {
			if got := c.cmd("a", cmd); got[len(got)-1][:4] != "a OK" {
				t.Fatalf("%s = %q, want OK", cmd, got)
			}
		}
	}
	if got := ts.srv.hub.size(); got != hubSize {
		t.Errorf("hub holds %d mailboxes after %d rounds, want %d as before", got, rounds, hubSize)
	}
	if got := ts.srv.subs.subscribedCount(DefaultUser); got != subs {
		t.Errorf("%d subscriptions after %d rounds, want %d as before", got, rounds, subs)
	}
}

// A session idling on a mailbox that is deleted, or that was deleted
// before it started to idle, hears of it; when the sessions are gone, the
// hub holds nothing for the name.
func TestDeletedWhileIdlingLeavesNothing(t *testing.T) {
	srv := New(Options{})
	l := listen(t)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	a := loggedIn(t, l.Addr().String())
	b := loggedIn(t, l.Addr().String())
	z := loggedIn(t, l.Addr().String())
	for _, cmd := range []string{"CREATE Doomed", "APPEND Doomed {11+}\r\nSubject: a\r\n"} {
		b.cmd("b", cmd)
	}
	a.cmd("a", "SELECT Doomed")
	z.cmd("z", "SELECT Doomed")
	hubSize := srv.hub.size()

	startIdle(t, a, "i")
	expectLines(t, "DELETE", b.cmd("b", "DELETE Doomed"), []string{"b OK DELETE completed"})
	if got := srv.hub.size(); got != hubSize-1 {
		t.Errorf("hub holds %d mailboxes after DELETE, want %d", got, hubSize-1)
	}
	if got := a.readResponse(); got != "* BYE Selected mailbox was deleted or renamed" {
		t.Errorf("after DELETE the idler got %q, want BYE", got)
	}
	// z starts to idle on the mailbox already gone.
	z.send("i IDLE")
	if got := z.line(); got != "+ idling" {
		t.Fatalf("IDLE = %q, want + idling", got)
	}
	if got := z.readResponse(); got != "* BYE Selected mailbox was deleted or renamed" {
		t.Errorf("IDLE on a deleted mailbox got %q, want BYE", got)
	}
	// Once Close returns every session has ended, and with it every IDLE.
	closeServer(t, srv, served)
	if got := srv.hub.size(); got != hubSize-1 {
		t.Errorf("hub holds %d mailboxes after the idlers left, want %d", got, hubSize-1)
	}
}

// RENAME carries \Recent state to the new names even when a new name is
// an old one, and a watcher that stops after its mailbox was deleted and
// made anew leaves the new one's state alone.
func TestHubRenameAndWatch(t *testing.T) {
	h := newHub()
	h.claimRecent("u", "a/b", 1, 5, true)
	h.claimRecent("u", "a/b/b", 2, 7, true)
	h.renamed("u", "a/b", "a") // a/b -> a, a/b/b -> a/b
	if got := h.claimRecent("u", "a", 1, 0, false); got != 5 {
		t.Errorf("\\Recent floor of a after RENAME = %d, want 5", got)
	}
	if got := h.claimRecent("u", "a/b", 2, 0, false); got != 7 {
		t.Errorf("\\Recent floor of a/b after RENAME = %d, want 7", got)
	}
	if got := h.size(); got != 2 {
		t.Errorf("hub holds %d mailboxes after RENAME, want 2", got)
	}

	changes, stop := h.watch("u", "x")
	h.deleted("u", "x")
	select {
	case <-changes:
	default:
		t.Error("watcher not woken by DELETE")
	}
	h.claimRecent("u", "x", 3, 4, true) // a new mailbox x
	stop()
	if got := h.claimRecent("u", "x", 3, 0, false); got != 4 {
		t.Errorf("\\Recent floor of the new x after the old watcher stopped = %d, want 4", got)
	}
	_, stop = h.watch("u", "y") // y has no \Recent state
	stop()
	if got := h.size(); got != 3 {
		t.Errorf("hub holds %d mailboxes, want 3 (a, a/b, x)", got)
	}
}

// The subscription CREATE makes goes with DELETE also when CREATE is the
// user's first use of subscriptions, which reads the store's mailboxes,
// the new one among them.
func TestCreateFirstSubscribesUntilDelete(t *testing.T) {
	ts := startServer(t, Options{}, false)
	c := loggedIn(t, ts.plain)
	runSteps(t, c, []step{
		{"CREATE First", []string{"OK CREATE completed"}},
		{`LSUB "" F*`, []string{`* LSUB (\HasNoChildren) "/" First`, "OK LSUB completed"}},
		{"DELETE First", []string{"OK DELETE completed"}},
		{`LSUB "" F*`, []string{"OK LSUB completed"}},
	})
}
