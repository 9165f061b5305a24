package imapd

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
)

// step is one command of a scripted session and every line it must answer.
type step struct {
	cmd  string
	want []string // untagged lines, then the tagged one without its tag
}

// runSteps sends each step's command and checks the whole answer.
func runSteps(t *testing.T, c *rawClient, steps []step) {
	t.Helper()
	for _, st := range steps {
		want := slices.Clone(st.want)
		want[len(want)-1] = "s " + want[len(want)-1]
		expectLines(t, st.cmd, c.cmd("s", st.cmd), want)
	}
}

func TestRawCreateDeleteRename(t *testing.T) {
	ts := startServer(t, Options{}, false)
	c := loggedIn(t, ts.plain)
	const (
		inbox   = `* LIST (\HasNoChildren) "/" INBOX`
		sent    = `* LIST (\HasNoChildren) "/" Sent`
		trash   = `* LIST (\HasNoChildren) "/" Trash`
		exists  = "NO [ALREADYEXISTS] Mailbox already exists"
		missing = "NO [NONEXISTENT] Mailbox does not exist"
	)
	runSteps(t, c, []step{
		// A trailing delimiter is dropped; the level above needs no mailbox.
		{"CREATE Projects/2024/", []string{"OK CREATE completed"}},
		{"CREATE Archive", []string{"OK CREATE completed"}},
		{`LIST "" *`, []string{inbox, `* LIST (\HasNoChildren) "/" Archive`, `* LIST (\Noselect \HasChildren) "/" Projects`,
			`* LIST (\HasNoChildren) "/" Projects/2024`, sent, trash, "OK LIST completed"}},
		{`LIST "" %`, []string{inbox, `* LIST (\HasNoChildren) "/" Archive`, `* LIST (\Noselect \HasChildren) "/" Projects`,
			sent, trash, "OK LIST completed"}},
		{`LIST Projects/ %`, []string{`* LIST (\HasNoChildren) "/" Projects/2024`, "OK LIST completed"}},
		// CREATE subscribes; % stops at an unsubscribed level (RFC 3501 6.3.9).
		{`LSUB "" *`, []string{`* LSUB (\HasNoChildren) "/" INBOX`, `* LSUB (\HasNoChildren) "/" Archive`,
			`* LSUB (\HasNoChildren) "/" Projects/2024`, `* LSUB (\HasNoChildren) "/" Sent`, `* LSUB (\HasNoChildren) "/" Trash`,
			"OK LSUB completed"}},
		{`LSUB "" P%`, []string{`* LSUB (\Noselect) "/" Projects`, "OK LSUB completed"}},

		{"CREATE Archive", []string{exists}},
		{"CREATE inbox", []string{"NO [ALREADYEXISTS] INBOX always exists"}},
		{"CREATE a%b", []string{"NO [CANNOT] wildcards are not allowed in mailbox names"}},
		{"CREATE /top", []string{"NO [CANNOT] empty level in mailbox name"}},
		{`CREATE ""`, []string{"NO [CANNOT] empty mailbox name"}},
		{"CREATE", []string{"BAD CREATE needs a mailbox name"}},
		{"DELETE INBOX", []string{"NO [CANNOT] INBOX cannot be deleted"}},
		{"DELETE inbox", []string{"NO [CANNOT] INBOX cannot be deleted"}},
		{"DELETE Nowhere", []string{missing}},
		{"DELETE Projects", []string{missing}}, // a \Noselect level
		{"SELECT Nowhere", []string{missing}},
		{"EXAMINE Projects", []string{missing}},
		{"RENAME Nowhere Elsewhere", []string{missing}},
		{"RENAME Sent Trash", []string{exists}},
		{"RENAME Sent inbox", []string{"NO [ALREADYEXISTS] INBOX always exists"}},
		{"RENAME Projects/2024 Projects/2024/q1", []string{"NO [CANNOT] RENAME not allowed"}},
		{"RENAME Sent *", []string{"NO [CANNOT] wildcards are not allowed in mailbox names"}},
		{"RENAME Sent", []string{"BAD RENAME needs two mailbox names"}},

		// APPEND and COPY reach a new mailbox; RENAME keeps its UIDVALIDITY.
		{"APPEND Archive {11+}\r\nSubject: a\r\n", []string{"OK APPEND completed"}},
		{"STATUS Archive (MESSAGES UIDNEXT UIDVALIDITY)", []string{"* STATUS Archive (MESSAGES 1 UIDNEXT 2 UIDVALIDITY 5)", "OK STATUS completed"}},
		{"RENAME Archive Old/Archive", []string{"OK RENAME completed"}},
		{"STATUS Old/Archive (MESSAGES UIDNEXT UIDVALIDITY)", []string{"* STATUS Old/Archive (MESSAGES 1 UIDNEXT 2 UIDVALIDITY 5)", "OK STATUS completed"}},
		{"STATUS Archive (MESSAGES)", []string{missing}},
		{`LSUB "" Old/*`, []string{`* LSUB (\HasNoChildren) "/" Old/Archive`, "OK LSUB completed"}},

		// A mailbox with children: RENAME takes them along, DELETE leaves
		// them and the name lists as \Noselect.
		{"CREATE Projects", []string{"OK CREATE completed"}},
		{"RENAME Projects Work", []string{"OK RENAME completed"}},
		{`LIST "" Work*`, []string{`* LIST (\HasChildren) "/" Work`, `* LIST (\HasNoChildren) "/" Work/2024`, "OK LIST completed"}},
		{`LIST "" Projects*`, []string{"OK LIST completed"}},
		{"DELETE Work", []string{"OK DELETE completed"}},
		{`LIST "" Work*`, []string{`* LIST (\Noselect \HasChildren) "/" Work`, `* LIST (\HasNoChildren) "/" Work/2024`, "OK LIST completed"}},
		{"DELETE Work", []string{missing}},

		// Subscriptions the client made outlive DELETE (RFC 3501 6.3.6),
		// and CREATE leaves them the client's; a new mailbox of an old name
		// gets a new UIDVALIDITY.
		{"SUBSCRIBE Old/Archive", []string{"OK SUBSCRIBE completed"}},
		{"DELETE Old/Archive", []string{"OK DELETE completed"}},
		{`LSUB "" Old/*`, []string{`* LSUB (\Noselect) "/" Old/Archive`, "OK LSUB completed"}},
		{"CREATE Old/Archive", []string{"OK CREATE completed"}},
		{"STATUS Old/Archive (MESSAGES UIDVALIDITY)", []string{"* STATUS Old/Archive (MESSAGES 0 UIDVALIDITY 7)", "OK STATUS completed"}},
		{"DELETE Old/Archive", []string{"OK DELETE completed"}},
		{`LSUB "" Old/*`, []string{`* LSUB (\Noselect) "/" Old/Archive`, "OK LSUB completed"}},
		// The subscription CREATE made on its own goes with the mailbox,
		// also after a RENAME.
		{"CREATE Made", []string{"OK CREATE completed"}},
		{"CREATE Made/Sub", []string{"OK CREATE completed"}},
		{"RENAME Made Tmp", []string{"OK RENAME completed"}},
		{`LSUB "" Tmp*`, []string{`* LSUB (\HasChildren) "/" Tmp`, `* LSUB (\HasNoChildren) "/" Tmp/Sub`, "OK LSUB completed"}},
		{"DELETE Tmp/Sub", []string{"OK DELETE completed"}},
		{"DELETE Tmp", []string{"OK DELETE completed"}},
		{`LSUB "" *`, []string{`* LSUB (\HasNoChildren) "/" INBOX`, `* LSUB (\Noselect) "/" Old/Archive`,
			`* LSUB (\HasNoChildren) "/" Sent`, `* LSUB (\HasNoChildren) "/" Trash`, `* LSUB (\HasNoChildren) "/" Work/2024`,
			"OK LSUB completed"}},

		{"UNSUBSCRIBE Sent", []string{"OK UNSUBSCRIBE completed"}},
		{"UNSUBSCRIBE Sent", []string{"OK UNSUBSCRIBE completed"}},
		{`LSUB "" S*`, []string{"OK LSUB completed"}},
		{"SUBSCRIBE Nowhere", []string{missing}},
		{"SUBSCRIBE sent", []string{missing}}, // only INBOX ignores case
		{"SUBSCRIBE Sent", []string{"OK SUBSCRIBE completed"}},
		{`LSUB "" S*`, []string{`* LSUB (\HasNoChildren) "/" Sent`, "OK LSUB completed"}},

		// Levels below INBOX; "inbox/" is INBOX's.
		{"CREATE inbox/Sub", []string{"OK CREATE completed"}},
		{`LIST "" inbox*`, []string{`* LIST (\HasChildren) "/" INBOX`, `* LIST (\HasNoChildren) "/" INBOX/Sub`, "OK LIST completed"}},
		{"SELECT INBOX/sub", []string{missing}},
		{"DELETE INBOX/Sub", []string{"OK DELETE completed"}},
	})
}

func TestRawRenameInbox(t *testing.T) {
	ts := startServer(t, Options{}, false)
	c := loggedIn(t, ts.plain)
	c.cmd("a", "CREATE INBOX/Kept")
	c.cmd("a", "SELECT INBOX")
	runSteps(t, c, []step{
		// The selected INBOX empties under this session.
		{"RENAME INBOX Saved", []string{"* 4 EXPUNGE", "* 3 EXPUNGE", "* 2 EXPUNGE", "* 1 EXPUNGE", "OK RENAME completed"}},
		{"STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY)", []string{"* STATUS INBOX (MESSAGES 0 UIDNEXT 5 UIDVALIDITY 1)", "OK STATUS completed"}},
		{"STATUS INBOX/Kept (MESSAGES)", []string{"* STATUS INBOX/Kept (MESSAGES 0)", "OK STATUS completed"}},
		// The messages keep their UIDs in a mailbox with a UIDVALIDITY of its own.
		{"STATUS Saved (MESSAGES UIDNEXT UIDVALIDITY)", []string{"* STATUS Saved (MESSAGES 4 UIDNEXT 5 UIDVALIDITY 5)", "OK STATUS completed"}},
		{`LSUB "" Saved`, []string{`* LSUB (\HasNoChildren) "/" Saved`, "OK LSUB completed"}},
		{"APPEND INBOX {11+}\r\nSubject: n\r\n", []string{"* 1 EXISTS", "* 1 RECENT", "OK APPEND completed"}},
		{"UID FETCH 1:* UID", []string{"* 1 FETCH (UID 5)", "OK FETCH completed"}},
		{"EXAMINE Saved", []string{
			`* FLAGS (\Answered \Flagged \Deleted \Seen \Draft)`, `* OK [PERMANENTFLAGS ()] No permanent flags permitted`,
			"* 4 EXISTS", "* 4 RECENT", "* OK [UNSEEN 2] First unseen message", "* OK [UIDVALIDITY 5] UIDs valid",
			"* OK [UIDNEXT 5] Predicted next UID", "OK [READ-ONLY] EXAMINE completed"}},
		{"FETCH 4 (UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])", []string{
			"* 4 FETCH (UID 4 BODY[HEADER.FIELDS (SUBJECT)] {19}\r\nSubject: Lunch?\r\n\r\n)", "OK FETCH completed"}},
	})
}

// TestRawSelectedMailboxGone checks sessions whose selected mailbox is
// deleted or renamed: the session that did it leaves the mailbox or
// follows it; another one is told BYE at its next command.
func TestRawSelectedMailboxGone(t *testing.T) {
	ts := startServer(t, Options{}, false)
	a := loggedIn(t, ts.plain)
	b := loggedIn(t, ts.plain)
	a.cmd("a", "CREATE Box")
	a.cmd("a", "APPEND Box {11+}\r\nSubject: x\r\n")

	a.cmd("a", "SELECT Box")
	b.cmd("b", "SELECT Box")
	runSteps(t, a, []step{
		{"RENAME Box Renamed", []string{"OK RENAME completed"}},
		{"UID FETCH 1:* UID", []string{"* 1 FETCH (UID 1)", "OK FETCH completed"}},
		{"DELETE Renamed", []string{"OK DELETE completed"}},
		{"FETCH 1 UID", []string{"BAD Please select a mailbox first"}},
	})
	expectLines(t, "NOOP after RENAME elsewhere", b.cmd("b", "NOOP"), []string{
		"* BYE Selected mailbox was deleted or renamed", "b NO [NONEXISTENT] Selected mailbox no longer exists"})
	if _, err := b.br.ReadByte(); !errors.Is(err, io.EOF) {
		t.Errorf("read after BYE = %v, want EOF", err)
	}

	// A new mailbox of the same name is not the one selected.
	c := loggedIn(t, ts.plain)
	a.cmd("a", "CREATE Box")
	c.cmd("c", "SELECT Box")
	a.cmd("a", "DELETE Box")
	a.cmd("a", "CREATE Box")
	expectLines(t, "FETCH after DELETE and CREATE elsewhere", c.cmd("c", "FETCH 1:* UID"), []string{
		"* BYE Selected mailbox was deleted or renamed", "c NO [NONEXISTENT] Selected mailbox no longer exists"})
}

// TestRawRecent follows \Recent (RFC 3501 section 2.3.2) across sessions:
// a message is \Recent to exactly one read-write session, the first to
// see it, while EXAMINE looks without taking it.
func TestRawRecent(t *testing.T) {
	ts := startServer(t, Options{}, false)
	a := loggedIn(t, ts.plain)
	b := loggedIn(t, ts.plain)
	c := loggedIn(t, ts.plain)
	recentLine := func(c *rawClient, cmd string) string {
		t.Helper()
		for _, l := range c.cmd("r", cmd) {
			if strings.HasSuffix(l, " RECENT") {
				return l
			}
		}
		t.Fatalf("%s: no RECENT response", cmd)
		return ""
	}
	if got := recentLine(a, "EXAMINE INBOX"); got != "* 4 RECENT" {
		t.Errorf("EXAMINE first: %q, want * 4 RECENT", got)
	}
	if got := recentLine(b, "SELECT INBOX"); got != "* 4 RECENT" {
		t.Errorf("SELECT after EXAMINE: %q, want * 4 RECENT", got)
	}
	if got := recentLine(a, "SELECT INBOX"); got != "* 0 RECENT" {
		t.Errorf("SELECT second: %q, want * 0 RECENT", got)
	}
	runSteps(t, a, []step{
		{"FETCH 2 FLAGS", []string{"* 2 FETCH (FLAGS ())", "OK FETCH completed"}},
		{"SEARCH RECENT", []string{"* SEARCH", "OK SEARCH completed"}},
		{"SEARCH OLD", []string{"* SEARCH 1 2 3 4", "OK SEARCH completed"}},
	})
	runSteps(t, b, []step{
		{"FETCH 2 FLAGS", []string{`* 2 FETCH (FLAGS (\Recent))`, "OK FETCH completed"}},
		{"SEARCH NEW", []string{"* SEARCH 2 3 4", "OK SEARCH completed"}},
	})

	// A message APPENDed while a and b have INBOX selected is \Recent to
	// whichever of them hears of it first, and only to that one.
	c.cmd("c", "APPEND INBOX {11+}\r\nSubject: n\r\n")
	expectLines(t, "NOOP a", a.cmd("n", "NOOP"), []string{"* 5 EXISTS", "* 1 RECENT", "n OK NOOP completed"})
	expectLines(t, "NOOP b", b.cmd("n", "NOOP"), []string{"* 5 EXISTS", "* 4 RECENT", "n OK NOOP completed"})
	expectLines(t, "FETCH a", a.cmd("f", "FETCH 5 FLAGS"), []string{`* 5 FETCH (FLAGS (\Recent))`, "f OK FETCH completed"})

	// APPENDed while nobody looks: \Recent to the next session.
	c.cmd("c", "APPEND Sent {11+}\r\nSubject: s\r\n")
	runSteps(t, c, []step{
		{"STATUS Sent (MESSAGES RECENT)", []string{"* STATUS Sent (MESSAGES 1 RECENT 1)", "OK STATUS completed"}},
	})
	if got := recentLine(b, "SELECT Sent"); got != "* 1 RECENT" {
		t.Errorf("SELECT Sent first: %q, want * 1 RECENT", got)
	}
	if got := recentLine(c, "SELECT Sent"); got != "* 0 RECENT" {
		t.Errorf("SELECT Sent second: %q, want * 0 RECENT", got)
	}
	runSteps(t, c, []step{
		{"STATUS Sent (RECENT)", []string{"* STATUS Sent (RECENT 0)", "OK STATUS completed"}},
		// COPY makes the copies \Recent; c sees them first.
		{"COPY 1 Sent", []string{"* 2 EXISTS", "* 1 RECENT", "OK COPY completed"}},
		{"FETCH 1:* FLAGS", []string{"* 1 FETCH (FLAGS ())", `* 2 FETCH (FLAGS (\Recent))`, "OK FETCH completed"}},
		// No client sets or clears \Recent.
		{`STORE 2 -FLAGS (\Recent)`, []string{`* 2 FETCH (FLAGS (\Recent))`, "OK STORE completed"}},
		{`STORE 1 +FLAGS (\Recent)`, []string{`* 1 FETCH (FLAGS ())`, "OK STORE completed"}},
	})
}

func TestCheckMailboxName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"Archive", true},
		{"a/b/c", true},
		{"Entw&APw-rfe", true},
		{"with space", true},
		{"", false},
		{"/a", false},
		{"a/", false},
		{"a//b", false},
		{"a*", false},
		{"a%", false},
		{"tab\there", false},
		{"Entwürfe", false},
		{strings.Repeat("x", maxMailboxName+1), false},
	}
	for _, tt := range tests {
		if err := checkMailboxName(tt.name); (err == nil) != tt.ok {
			t.Errorf("checkMailboxName(%q) = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}

func TestMailboxName(t *testing.T) {
	for in, want := range map[string]string{
		"inbox": "INBOX", "InBox/x": "INBOX/x", "INBOX": "INBOX", "inboxes": "inboxes", "inbox.x": "inbox.x", "Sent": "Sent",
	} {
		if got := mailboxName(in); got != want {
			t.Errorf("mailboxName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSortMailboxes(t *testing.T) {
	got := []string{"b", "a-c", "INBOX/x", "a/b", "Sent", "INBOX", "a", "INBOXES"}
	sortMailboxes(got)
	want := []string{"INBOX", "INBOX/x", "INBOXES", "Sent", "a", "a/b", "a-c", "b"}
	if !slices.Equal(got, want) {
		t.Errorf("sortMailboxes() = %q, want %q", got, want)
	}
}

func TestMatchMailbox(t *testing.T) {
	tests := []struct {
		pattern, name string
		want          bool
	}{
		{"*", "a/b", true},
		{"%", "a/b", false},
		{"a/%", "a/b", true},
		{"a/%", "a/b/c", false},
		{"inbox", "INBOX", true},
		{"inbox/%", "INBOX/x", true},
		{"Inbox*", "INBOX/x", true},
		{"inboxes", "INBOXES", false},
		{"sent", "Sent", false},
	}
	for _, tt := range tests {
		if got := matchMailbox(tt.pattern, tt.name); got != tt.want {
			t.Errorf("matchMailbox(%q, %q) = %v, want %v", tt.pattern, tt.name, got, tt.want)
		}
	}
}

// TestMemoryStoreRename checks RenameMailbox on its own: what moves, what
// clashes, what keeps its UIDVALIDITY.
func TestMemoryStoreRename(t *testing.T) {
	ctx := context.Background()
	setup := func(t *testing.T, names ...string) *MemoryStore {
		t.Helper()
		s := NewMemoryStore()
		for _, n := range names {
			if err := s.CreateMailbox(ctx, "u", n); err != nil {
				t.Fatalf("CreateMailbox(%q) = %v", n, err)
			}
		}
		return s
	}
	tests := []struct {
		name     string
		existing []string
		from, to string
		wantErr  error
		want     []string // mailboxes afterwards
	}{
		{"leaf", []string{"a"}, "a", "b", nil, []string{"INBOX", "Sent", "Trash", "b"}},
		{"with children", []string{"a", "a/x", "a/x/y", "ab"}, "a", "c/d", nil,
			[]string{"INBOX", "Sent", "Trash", "ab", "c/d", "c/d/x", "c/d/x/y"}},
		{"up a level", []string{"a/b", "a/b/b"}, "a/b", "a", nil, []string{"INBOX", "Sent", "Trash", "a", "a/b"}},
		{"child clashes", []string{"a", "a/x", "b/x"}, "a", "b", ErrMailboxExists, nil},
		{"target exists", []string{"a"}, "a", "Sent", ErrMailboxExists, nil},
		{"below itself", []string{"a"}, "a", "a/b", ErrNotAllowed, nil},
		{"onto itself", []string{"a"}, "a", "a", ErrNotAllowed, nil},
		{"missing", nil, "a", "b", ErrNoMailbox, nil},
		{"level without mailbox", []string{"a/b"}, "a", "c", ErrNoMailbox, nil},
		{"inbox", []string{"INBOX/x"}, "INBOX", "INBOX/y", nil, []string{"INBOX", "INBOX/x", "INBOX/y", "Sent", "Trash"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := setup(t, tt.existing...)
			before, _ := s.Mailboxes(ctx, "u")
			err := s.RenameMailbox(ctx, "u", tt.from, tt.to)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("RenameMailbox(%q, %q) = %v, want %v", tt.from, tt.to, err, tt.wantErr)
			}
			want := tt.want
			if err != nil {
				want = before // a failed rename changes nothing
			}
			if got, _ := s.Mailboxes(ctx, "u"); !slices.Equal(got, want) {
				t.Errorf("Mailboxes() after RenameMailbox(%q, %q) = %q, want %q", tt.from, tt.to, got, want)
			}
		})
	}

	s := setup(t, "a", "a/x")
	old, _ := s.Mailbox(ctx, "u", "a/x")
	if err := s.RenameMailbox(ctx, "u", "a", "b"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Mailbox(ctx, "u", "b/x"); err != nil || got.UIDValidity != old.UIDValidity {
		t.Errorf("Mailbox(b/x) = %+v, %v, want UIDVALIDITY %d kept", got, err, old.UIDValidity)
	}
	inbox, _ := s.Mailbox(ctx, "u", "INBOX")
	if err := s.RenameMailbox(ctx, "u", "INBOX", "Old"); err != nil {
		t.Fatal(err)
	}
	moved, _ := s.Mailbox(ctx, "u", "Old")
	after, _ := s.Mailbox(ctx, "u", "INBOX")
	if len(moved.Messages) != len(inbox.Messages) || moved.UIDNext != inbox.UIDNext || moved.UIDValidity == inbox.UIDValidity {
		t.Errorf("RENAME INBOX: new mailbox has %d messages, UIDNEXT %d, UIDVALIDITY %d; want %d, %d and a new UIDVALIDITY",
			len(moved.Messages), moved.UIDNext, moved.UIDValidity, len(inbox.Messages), inbox.UIDNext)
	}
	if len(after.Messages) != 0 || after.UIDNext != inbox.UIDNext || after.UIDValidity != inbox.UIDValidity {
		t.Errorf("RENAME INBOX: INBOX has %d messages, UIDNEXT %d, UIDVALIDITY %d; want empty, %d, %d",
			len(after.Messages), after.UIDNext, after.UIDValidity, inbox.UIDNext, inbox.UIDValidity)
	}
	if err := s.DeleteMailbox(ctx, "u", "INBOX"); !errors.Is(err, ErrNotAllowed) {
		t.Errorf("DeleteMailbox(INBOX) = %v, want ErrNotAllowed", err)
	}
}
