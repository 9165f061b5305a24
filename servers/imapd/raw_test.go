package imapd

import (
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	greetingPlain = "* OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR IDLE NAMESPACE UNSELECT AUTH=PLAIN] testbed IMAP4rev1 ready"
	greetingTLS   = "* OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR IDLE NAMESPACE UNSELECT STARTTLS AUTH=PLAIN] testbed IMAP4rev1 ready"
	loginOK       = "OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR IDLE NAMESPACE UNSELECT] LOGIN completed"
)

// expectLines fails unless got equals want line by line.
func expectLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s =\n  %s\nwant\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// loggedIn dials the server, checks the greeting and logs in.
func loggedIn(t *testing.T, addr string) *rawClient {
	t.Helper()
	c := dialRaw(t, addr)
	c.line()
	if got := c.cmd("l0", "LOGIN imaptest password"); got[len(got)-1] != "l0 "+loginOK {
		t.Fatalf("LOGIN = %q", got)
	}
	return c
}

func TestRawGreetingAndCapability(t *testing.T) {
	tests := []struct {
		name     string
		withTLS  bool
		greeting string
	}{
		{"plain", false, greetingPlain},
		{"starttls", true, greetingTLS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, Options{}, tt.withTLS)
			c := dialRaw(t, ts.plain)
			if got := c.line(); got != tt.greeting {
				t.Errorf("greeting = %q, want %q", got, tt.greeting)
			}
			want := []string{"* " + strings.TrimSuffix(strings.TrimPrefix(tt.greeting, "* OK ["), "] testbed IMAP4rev1 ready"),
				"a OK CAPABILITY completed"}
			expectLines(t, "CAPABILITY", c.cmd("a", "CAPABILITY"), want)
			expectLines(t, "NOOP", c.cmd("b", "NOOP"), []string{"b OK NOOP completed"})
			expectLines(t, "LOGOUT", c.cmd("c", "LOGOUT"),
				[]string{"* BYE testbed IMAP4rev1 server logging out", "c OK LOGOUT completed"})
			if _, err := c.br.ReadByte(); !errors.Is(err, io.EOF) {
				t.Errorf("read after LOGOUT = %v, want EOF", err)
			}
		})
	}
}

func TestRawLogin(t *testing.T) {
	ts := startServer(t, Options{Users: map[string]string{"imaptest": "password", "other": "sec ret"}}, false)
	tests := []struct {
		name string
		send []string // lines; all but the last expect a continuation
		want string
	}{
		{"atoms", []string{"a LOGIN imaptest password"}, "a " + loginOK},
		{"quoted", []string{`a LOGIN "other" "sec ret"`}, "a " + loginOK},
		{"literals", []string{"a LOGIN {8}", "imaptest {8}", "password"}, "a " + loginOK},
		{"literal plus", []string{"a LOGIN {8+}\r\nimaptest {8+}\r\npassword"}, "a " + loginOK},
		{"bad password", []string{"a LOGIN imaptest wrong"}, "a NO [AUTHENTICATIONFAILED] Invalid credentials"},
		{"unknown user", []string{"a LOGIN nobody password"}, "a NO [AUTHENTICATIONFAILED] Invalid credentials"},
		{"missing password", []string{"a LOGIN imaptest"}, "a BAD LOGIN needs a user name and a password"},
		{"unterminated quote", []string{`a LOGIN "imaptest password`}, "a BAD unterminated quoted string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dialRaw(t, ts.plain)
			c.line()
			for _, l := range tt.send[:len(tt.send)-1] {
				c.send(l)
				if got := c.line(); got != "+ Ready for literal data" {
					t.Fatalf("after %q got %q, want a continuation", l, got)
				}
			}
			c.send(tt.send[len(tt.send)-1])
			if got := c.until("a"); got[len(got)-1] != tt.want {
				t.Errorf("LOGIN = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRawAuthenticatePlain(t *testing.T) {
	ts := startServer(t, Options{}, false)
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	const authOK = "a OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR IDLE NAMESPACE UNSELECT] AUTHENTICATE completed"
	tests := []struct {
		name     string
		cmd      string
		response string // sent after "+ ", when not ""
		want     string
	}{
		{"initial response", "a AUTHENTICATE PLAIN " + b64("\x00imaptest\x00password"), "", authOK},
		{"continuation", "a AUTHENTICATE PLAIN", b64("\x00imaptest\x00password"), authOK},
		{"authzid equal", "a AUTHENTICATE plain", b64("imaptest\x00imaptest\x00password"), authOK},
		{"authzid other", "a AUTHENTICATE PLAIN", b64("root\x00imaptest\x00password"),
			"a NO [AUTHORIZATIONFAILED] Cannot act as another user"},
		{"bad password", "a AUTHENTICATE PLAIN " + b64("\x00imaptest\x00nope"), "",
			"a NO [AUTHENTICATIONFAILED] Invalid credentials"},
		{"cancelled", "a AUTHENTICATE PLAIN", "*", "a BAD AUTHENTICATE cancelled"},
		{"not base64", "a AUTHENTICATE PLAIN", "!!!", "a BAD invalid base64 in AUTHENTICATE response"},
		{"other mechanism", "a AUTHENTICATE CRAM-MD5", "", "a NO Unsupported authentication mechanism"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dialRaw(t, ts.plain)
			c.line()
			c.send(tt.cmd)
			if tt.response != "" {
				if got := c.line(); got != "+ " {
					t.Fatalf("challenge = %q, want %q", got, "+ ")
				}
				c.send(tt.response)
			}
			if got := c.until("a"); got[len(got)-1] != tt.want {
				t.Errorf("AUTHENTICATE = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRawStates(t *testing.T) {
	ts := startServer(t, Options{}, false)
	c := dialRaw(t, ts.plain)
	c.line()
	steps := []struct{ cmd, want string }{
		{"a SELECT INBOX", "a BAD Please login first"},
		{"a FETCH 1 FLAGS", "a BAD Please login first"},
		{"a STARTTLS", "a BAD STARTTLS not available"},
		{"a FROB", "a BAD Unrecognized command"},
		{"a UID LOGIN x y", "a BAD Unrecognized command"},
		{"a LOGIN imaptest password", "a " + loginOK},
		{"a LOGIN imaptest password", "a BAD Already authenticated"},
		{"a FETCH 1 FLAGS", "a BAD Please select a mailbox first"},
		{"a EXPUNGE", "a BAD Please select a mailbox first"},
		{"a SELECT Nowhere", "a NO [NONEXISTENT] Mailbox does not exist"},
		{"a NOOP extra", "a BAD NOOP takes no arguments"},
	}
	for _, st := range steps {
		c.send(st.cmd)
		got := c.until("a")
		if last := got[len(got)-1]; last != st.want {
			t.Errorf("%s = %q, want %q", st.cmd, last, st.want)
		}
	}
	// Lines without a usable tag get an untagged BAD.
	c.send("(oops")
	if got := c.line(); !strings.HasPrefix(got, "* BAD ") {
		t.Errorf("untagged garbage = %q, want * BAD", got)
	}
}

func TestRawSelectAndFetch(t *testing.T) {
	ts := startServer(t, Options{}, false)
	c := loggedIn(t, ts.plain)
	// The first session to select a mailbox gets its messages as \Recent.
	expectLines(t, "SELECT", c.cmd("a", "SELECT inbox"), []string{
		`* FLAGS (\Answered \Flagged \Deleted \Seen \Draft)`,
		`* OK [PERMANENTFLAGS (\Answered \Flagged \Deleted \Seen \Draft \*)] Flags permitted`,
		`* 4 EXISTS`,
		`* 4 RECENT`,
		`* OK [UNSEEN 2] First unseen message`,
		`* OK [UIDVALIDITY 1] UIDs valid`,
		`* OK [UIDNEXT 5] Predicted next UID`,
		`a OK [READ-WRITE] SELECT completed`,
	})
	tests := []struct {
		name string
		cmd  string
		want []string
	}{
		{"fast", "FETCH 1 FAST", []string{
			`* 1 FETCH (FLAGS (\Seen \Recent) INTERNALDATE " 2-Jan-2024 09:00:00 +0000" RFC822.SIZE 371)`}},
		{"uid range", "UID FETCH 2:* FLAGS", []string{
			`* 2 FETCH (UID 2 FLAGS (\Recent))`, `* 3 FETCH (UID 3 FLAGS (\Flagged \Recent))`, `* 4 FETCH (UID 4 FLAGS (\Recent))`}},
		{"uid beyond the last", "UID FETCH 9:* UID", []string{`* 4 FETCH (UID 4)`}},
		{"list of numbers", "FETCH 1,3 UID", []string{`* 1 FETCH (UID 1)`, `* 3 FETCH (UID 3)`}},
		{"envelope", "FETCH 2 ENVELOPE", []string{`* 2 FETCH (ENVELOPE ("Wed, 03 Jan 2024 10:00:00 +0000" "Meeting notes" ` +
			`(("Alice Example" NIL "alice" "testbed.test")) (("Alice Example" NIL "alice" "testbed.test")) ` +
			`(("Alice Example" NIL "alice" "testbed.test")) ((NIL NIL "imaptest" "testbed.test")) ` +
			`(("Bob Example" NIL "bob" "testbed.test")) NIL "<welcome.1@testbed.test>" "<notes.2@testbed.test>"))`}},
		{"bodystructure multipart", "FETCH 3 BODYSTRUCTURE", []string{`* 3 FETCH (BODYSTRUCTURE ((` +
			`("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 23 1 NIL NIL NIL NIL)` +
			`("TEXT" "HTML" ("CHARSET" "us-ascii") NIL NIL "7BIT" 37 1 NIL NIL NIL NIL) "ALTERNATIVE" ("BOUNDARY" "alt-boundary-3") NIL NIL NIL)` +
			`("APPLICATION" "OCTET-STREAM" ("NAME" "report.bin") NIL NIL "BASE64" 28 NIL ("ATTACHMENT" ("FILENAME" "report.bin")) NIL NIL)` +
			` "MIXED" ("BOUNDARY" "mixed-boundary-3") NIL NIL NIL))`}},
		{"body simple", "FETCH 4 BODY", []string{`* 4 FETCH (BODY ("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 35 1))`}},
		{"header fields", "FETCH 4 BODY.PEEK[HEADER.FIELDS (Subject)]", []string{
			"* 4 FETCH (BODY[HEADER.FIELDS (Subject)] {19}\r\nSubject: Lunch?\r\n\r\n)"}},
		{"header fields not", "FETCH 4 BODY.PEEK[HEADER.FIELDS.NOT (From To Date Message-ID)]", []string{
			"* 4 FETCH (BODY[HEADER.FIELDS.NOT (From To Date Message-ID)] {19}\r\nSubject: Lunch?\r\n\r\n)"}},
		{"text", "FETCH 4 BODY.PEEK[TEXT]", []string{
			"* 4 FETCH (BODY[TEXT] {35}\r\nAre you free for lunch on Friday?\r\n)"}},
		{"partial", "FETCH 4 BODY.PEEK[]<6.5>", []string{"* 4 FETCH (BODY[]<6> {5}\r\nCarol)"}},
		{"partial past the end", "FETCH 4 BODY.PEEK[]<9999.5>", []string{"* 4 FETCH (BODY[]<9999> {0}\r\n)"}},
		{"nested part", "FETCH 3 (BODY.PEEK[1.2] BODY.PEEK[2.MIME])", []string{
			"* 3 FETCH (BODY[1.2] {37}\r\n<p>The report is <b>attached</b>.</p> BODY[2.MIME] {152}\r\n" +
				"Content-Type: application/octet-stream; name=\"report.bin\"\r\n" +
				"Content-Disposition: attachment; filename=\"report.bin\"\r\n" +
				"Content-Transfer-Encoding: base64\r\n\r\n)"}},
		{"part of a simple message", "FETCH 4 BODY.PEEK[1]", []string{
			"* 4 FETCH (BODY[1] {35}\r\nAre you free for lunch on Friday?\r\n)"}},
		{"missing part", "FETCH 4 BODY.PEEK[7]", []string{"* 4 FETCH (BODY[7] NIL)"}},
		{"rfc822.header", "FETCH 4 RFC822.HEADER", []string{"* 4 FETCH (RFC822.HEADER {163}\r\n" +
			"From: Carol Example <carol@testbed.test>\r\nTo: imaptest@testbed.test\r\nSubject: Lunch?\r\n" +
			"Date: Fri, 05 Jan 2024 12:00:00 +0000\r\nMessage-ID: <lunch.4@testbed.test>\r\n\r\n)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.cmd("f", tt.cmd)
			expectLines(t, tt.cmd, got, append(tt.want, "f OK "+strings.Fields(strings.TrimPrefix(tt.cmd, "UID "))[0]+" completed"))
		})
	}
	bad := []string{"FETCH 9 FLAGS", "FETCH 0 FLAGS", "FETCH 1 (FLAGS", "FETCH 1 BOGUS", "FETCH 1 BODY[HEADER.FIELDS]", "FETCH 1 BODY[]<1>", "FETCH x FLAGS"}
	for _, cmd := range bad {
		got := c.cmd("g", cmd)
		if last := got[len(got)-1]; !strings.HasPrefix(last, "g BAD ") {
			t.Errorf("%s = %q, want BAD", cmd, last)
		}
	}
}

func TestRawSeenAndStore(t *testing.T) {
	ts := startServer(t, Options{}, false)
	c := loggedIn(t, ts.plain)
	c.cmd("a", "EXAMINE INBOX")
	// BODY[] in a read-only mailbox leaves \Seen alone.
	got := c.cmd("b", "FETCH 2 BODY[TEXT]<0.5>")
	expectLines(t, "FETCH read-only", got, []string{"* 2 FETCH (BODY[TEXT]<0> {5}\r\nNotes)", "b OK FETCH completed"})
	expectLines(t, "STORE read-only", c.cmd("c", `STORE 2 +FLAGS \Seen`)[:1], []string{"c NO [READ-ONLY] Mailbox is read-only"})

	// EXAMINE left the messages \Recent for this SELECT.
	expectLines(t, "SELECT", c.cmd("d", "SELECT INBOX")[3:4], []string{"* 4 RECENT"})
	expectLines(t, "FETCH peek", c.cmd("e", "FETCH 2 (FLAGS BODY.PEEK[TEXT]<0.5>)"),
		[]string{"* 2 FETCH (FLAGS (\\Recent) BODY[TEXT]<0> {5}\r\nNotes)", "e OK FETCH completed"})
	expectLines(t, "FETCH sets seen", c.cmd("f", "FETCH 2 BODY[TEXT]<0.5>"),
		[]string{"* 2 FETCH (BODY[TEXT]<0> {5}\r\nNotes FLAGS (\\Seen \\Recent))", "f OK FETCH completed"})

	steps := []struct {
		cmd  string
		want []string
	}{
		{`STORE 4 +FLAGS (\Flagged \Answered)`, []string{`* 4 FETCH (FLAGS (\Answered \Flagged \Recent))`}},
		{`STORE 4 -FLAGS (\Answered \Recent)`, []string{`* 4 FETCH (FLAGS (\Flagged \Recent))`}},
		{`UID STORE 4 FLAGS (\Draft $Label1)`, []string{`* 4 FETCH (UID 4 FLAGS ($Label1 \Draft \Recent))`}},
		{`STORE 1:* +FLAGS.SILENT (\Deleted)`, nil},
		{`SEARCH DELETED`, []string{`* SEARCH 1 2 3 4`}},
		{`STORE 2:4 -FLAGS.SILENT \Deleted`, nil},
		{`SEARCH UNSEEN`, []string{`* SEARCH 3 4`}},
		{`UID SEARCH KEYWORD $Label1`, []string{`* SEARCH 4`}},
		{`EXPUNGE`, []string{`* 1 EXPUNGE`}},
		{`UID SEARCH ALL`, []string{`* SEARCH 2 3 4`}},
		{`SEARCH ALL`, []string{`* SEARCH 1 2 3`}},
	}
	for _, st := range steps {
		name := strings.Fields(strings.TrimPrefix(st.cmd, "UID "))[0]
		expectLines(t, st.cmd, c.cmd("s", st.cmd), append(st.want, "s OK "+name+" completed"))
	}
	bad := []string{`STORE 1 FLAGS \Bogus`, `STORE 1 XFLAGS \Seen`, `STORE 1 +FLAGS "x"`}
	for _, cmd := range bad {
		if got := c.cmd("t", cmd); !strings.HasPrefix(got[len(got)-1], "t BAD ") {
			t.Errorf("%s = %q, want BAD", cmd, got)
		}
	}
}

func TestRawSearch(t *testing.T) {
	ts := startServer(t, Options{}, false)
	c := loggedIn(t, ts.plain)
	c.cmd("a", "EXAMINE INBOX")
	tests := []struct{ cmd, want string }{
		{"SEARCH ALL", "* SEARCH 1 2 3 4"},
		{"UID SEARCH ALL", "* SEARCH 1 2 3 4"},
		{"SEARCH SEEN", "* SEARCH 1"},
		{"SEARCH UNSEEN", "* SEARCH 2 3 4"},
		{"SEARCH FLAGGED", "* SEARCH 3"},
		{`SEARCH SUBJECT "meeting"`, "* SEARCH 2"},
		{"SEARCH FROM bob", "* SEARCH 3"},
		{"SEARCH TO imaptest", "* SEARCH 1 2 3 4"},
		{"SEARCH CC bob", "* SEARCH 2"},
		{"SEARCH BODY lunch", "* SEARCH 4"},
		{"SEARCH TEXT carol", "* SEARCH 4"},
		{"SEARCH HEADER In-Reply-To welcome", "* SEARCH 2"},
		{"SEARCH OR FROM alice SUBJECT lunch", "* SEARCH 2 4"},
		{"SEARCH NOT SEEN NOT FLAGGED", "* SEARCH 2 4"},
		{"SEARCH (SEEN) 1:2", "* SEARCH 1"},
		{"SEARCH 2:*", "* SEARCH 2 3 4"},
		{"UID SEARCH UID 3:*", "* SEARCH 3 4"},
		{"SEARCH LARGER 500", "* SEARCH 3"},
		{"SEARCH SMALLER 300", "* SEARCH 4"},
		{"SEARCH SINCE 4-Jan-2024", "* SEARCH 3 4"},
		{"SEARCH BEFORE 3-Jan-2024", "* SEARCH 1"},
		{"SEARCH SENTON 3-Jan-2024", "* SEARCH 2"},
		{"SEARCH CHARSET UTF-8 SUBJECT {7+}\r\nreport!", "* SEARCH"},
		{"SEARCH CHARSET UTF-8 SUBJECT {6+}\r\nreport", "* SEARCH 3"},
		{"SEARCH NEW", "* SEARCH 2 3 4"}, // EXAMINE sees \Recent
		{"SEARCH RECENT", "* SEARCH 1 2 3 4"},
		{"SEARCH OLD", "* SEARCH"},
	}
	for _, tt := range tests {
		t.Run(tt.cmd, func(t *testing.T) {
			expectLines(t, tt.cmd, c.cmd("s", tt.cmd), []string{tt.want, "s OK SEARCH completed"})
		})
	}
	for _, cmd := range []string{"SEARCH", "SEARCH BOGUS", "SEARCH SUBJECT", "SEARCH OR SEEN", "SEARCH SINCE 2024-01-01"} {
		if got := c.cmd("t", cmd); !strings.HasPrefix(got[len(got)-1], "t BAD ") {
			t.Errorf("%s = %q, want BAD", cmd, got)
		}
	}
	if got := c.cmd("u", "SEARCH CHARSET KOI8-R ALL"); got[len(got)-1] != "u NO [BADCHARSET (US-ASCII UTF-8)] Unsupported charset" {
		t.Errorf("SEARCH CHARSET KOI8-R = %q", got)
	}
}

func TestRawMailboxes(t *testing.T) {
	ts := startServer(t, Options{}, false)
	c := loggedIn(t, ts.plain)
	tests := []struct {
		cmd  string
		want []string
	}{
		{`LIST "" "*"`, []string{`* LIST (\HasNoChildren) "/" INBOX`, `* LIST (\HasNoChildren) "/" Sent`, `* LIST (\HasNoChildren) "/" Trash`}},
		{`LIST "" %`, []string{`* LIST (\HasNoChildren) "/" INBOX`, `* LIST (\HasNoChildren) "/" Sent`, `* LIST (\HasNoChildren) "/" Trash`}},
		{`LIST "" inbox`, []string{`* LIST (\HasNoChildren) "/" INBOX`}},
		{`LIST "" T*`, []string{`* LIST (\HasNoChildren) "/" Trash`}},
		{`LIST "" ""`, []string{`* LIST (\Noselect) "/" ""`}},
		{`LSUB "" "*"`, []string{`* LSUB (\HasNoChildren) "/" INBOX`, `* LSUB (\HasNoChildren) "/" Sent`, `* LSUB (\HasNoChildren) "/" Trash`}},
		{`STATUS INBOX (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN)`, []string{`* STATUS INBOX (MESSAGES 4 RECENT 4 UIDNEXT 5 UIDVALIDITY 1 UNSEEN 3)`}},
		{`STATUS Sent (MESSAGES)`, []string{`* STATUS Sent (MESSAGES 0)`}},
		{`NAMESPACE`, []string{`* NAMESPACE (("" "/")) NIL NIL`}},
	}
	for _, tt := range tests {
		name := strings.Fields(tt.cmd)[0]
		expectLines(t, tt.cmd, c.cmd("m", tt.cmd), append(tt.want, "m OK "+name+" completed"))
	}
	// APPEND to Sent with flags and date, then see it there.
	msg := "Subject: appended\r\n\r\nhi\r\n"
	c.send(`a APPEND Sent (\Seen) " 7-Feb-2024 10:11:12 +0100" {` + strconv.Itoa(len(msg)) + `}`)
	if got := c.line(); got != "+ Ready for literal data" {
		t.Fatalf("APPEND continuation = %q", got)
	}
	c.send(msg)
	expectLines(t, "APPEND", c.until("a"), []string{"a OK APPEND completed"})
	expectLines(t, "APPEND missing", c.cmd("b", "APPEND Nowhere {1+}\r\nx"), []string{"b NO [TRYCREATE] Mailbox does not exist"})
	c.cmd("c", "EXAMINE Trash")
	expectLines(t, "FETCH 1:* in an empty mailbox", c.cmd("c", "FETCH 1:* FLAGS"), []string{"c OK FETCH completed"})
	expectLines(t, "FETCH 1 in an empty mailbox", c.cmd("c", "FETCH 1 FLAGS"), []string{"c BAD Invalid message sequence number"})
	c.cmd("c", "SELECT Sent")
	expectLines(t, "FETCH appended", c.cmd("d", "FETCH 1 (UID FLAGS INTERNALDATE BODY.PEEK[HEADER.FIELDS (SUBJECT)])"), []string{
		"* 1 FETCH (UID 1 FLAGS (\\Seen \\Recent) INTERNALDATE \" 7-Feb-2024 10:11:12 +0100\" BODY[HEADER.FIELDS (SUBJECT)] {21}\r\nSubject: appended\r\n\r\n)",
		"d OK FETCH completed"})
	// APPEND to the selected mailbox reports EXISTS; COPY too.
	expectLines(t, "APPEND selected", c.cmd("e", "APPEND Sent {3+}\r\nx\r\n"), []string{"* 2 EXISTS", "* 2 RECENT", "e OK APPEND completed"})
	expectLines(t, "COPY", c.cmd("f", "UID COPY 1:2 Sent"), []string{"* 4 EXISTS", "* 4 RECENT", "f OK COPY completed"})
	expectLines(t, "COPY missing", c.cmd("g", "COPY 1 Nowhere"), []string{"g NO [TRYCREATE] Mailbox does not exist"})
	expectLines(t, "CLOSE", c.cmd("h", "CLOSE"), []string{"h OK CLOSE completed"})
	expectLines(t, "FETCH after CLOSE", c.cmd("i", "FETCH 1 FLAGS"), []string{"i BAD Please select a mailbox first"})
}

func TestRawTwoSessions(t *testing.T) {
	ts := startServer(t, Options{}, false)
	a := loggedIn(t, ts.plain)
	b := loggedIn(t, ts.plain)
	a.cmd("a1", "SELECT INBOX")
	b.cmd("b1", "SELECT INBOX")
	b.cmd("b2", `STORE 2 +FLAGS.SILENT (\Deleted)`)
	b.cmd("b3", "EXPUNGE")
	b.cmd("b4", "APPEND INBOX {14+}\r\nSubject: new\r\n")
	b.cmd("b5", `STORE 3 +FLAGS.SILENT (\Answered)`) // was 4 before the expunge
	// a selected INBOX first: the seeded messages are \Recent to it; b's
	// APPEND is \Recent to b, which saw it first.
	expectLines(t, "NOOP", a.cmd("a2", "NOOP"), []string{
		"* 2 EXPUNGE",
		`* 3 FETCH (FLAGS (\Answered \Recent))`,
		"* 4 EXISTS",
		"* 3 RECENT",
		"a2 OK NOOP completed",
	})
	expectLines(t, "UID FETCH", a.cmd("a3", "FETCH 1:* UID"), []string{
		"* 1 FETCH (UID 1)", "* 2 FETCH (UID 3)", "* 3 FETCH (UID 4)", "* 4 FETCH (UID 5)", "a3 OK FETCH completed"})
}

func TestRawIdle(t *testing.T) {
	ts := startServer(t, Options{}, false)
	c := loggedIn(t, ts.plain)
	c.cmd("a", "SELECT INBOX")
	c.send("b IDLE")
	if got := c.line(); got != "+ idling" {
		t.Fatalf("IDLE = %q, want + idling", got)
	}
	c.send("DONE")
	expectLines(t, "IDLE", c.until("b"), []string{"b OK IDLE terminated"})
}

func TestRawLimits(t *testing.T) {
	ts := startServer(t, Options{}, false)
	t.Run("literal too large", func(t *testing.T) {
		c := dialRaw(t, ts.plain)
		c.line()
		expectLines(t, "LOGIN", c.cmd("a", "LOGIN {99999999}"), []string{"a BAD literal too large"})
		expectLines(t, "NOOP", c.cmd("b", "NOOP"), []string{"b OK NOOP completed"})
	})
	t.Run("non-synchronising literal too large", func(t *testing.T) {
		c := dialRaw(t, ts.plain)
		c.line()
		c.send("a LOGIN {99999999+}")
		if got := c.line(); got != "* BYE literal too large" {
			t.Errorf("reply = %q, want BYE", got)
		}
	})
	t.Run("line too long", func(t *testing.T) {
		c := dialRaw(t, ts.plain)
		c.line()
		c.send("a LOGIN " + strings.Repeat("x", maxLine+10))
		if got := c.line(); got != "* BYE line too long" {
			t.Errorf("reply = %q, want BYE", got)
		}
	})
	t.Run("too many bad commands", func(t *testing.T) {
		c := dialRaw(t, ts.plain)
		c.line()
		for range maxBadCommands {
			c.send("x BOGUS")
		}
		for range maxBadCommands {
			c.line()
		}
		if got := c.line(); got != "* BYE too many invalid commands" {
			t.Errorf("reply = %q, want BYE", got)
		}
	})
}

func TestIdleTimeout(t *testing.T) {
	ts := startServer(t, Options{IdleTimeout: 50 * time.Millisecond}, false)
	c := dialRaw(t, ts.plain)
	c.line()
	start := time.Now()
	if got := c.line(); got != "* BYE Autologout; idle for too long" {
		t.Errorf("after silence got %q, want BYE", got)
	}
	if _, err := c.br.ReadByte(); !errors.Is(err, io.EOF) {
		t.Errorf("read after BYE = %v, want EOF", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("idle client dropped after %v, want about 50ms", d)
	}
}

func TestRawStartTLS(t *testing.T) {
	ts := startServer(t, Options{}, true)
	c := dialRaw(t, ts.plain)
	c.line()
	// A command pipelined after STARTTLS, in the clear, must not run.
	c.send("a STARTTLS\r\nb LOGIN imaptest password")
	if got := c.line(); got != "a OK Begin TLS negotiation now" {
		t.Fatalf("STARTTLS = %q", got)
	}
	tc := tls.Client(c.conn, ts.cert.clientTLS())
	if err := tc.Handshake(); err != nil {
		t.Fatalf("Handshake() = %v", err)
	}
	c = newRawClient(t, tc)
	expectLines(t, "CAPABILITY over TLS", c.cmd("c", "CAPABILITY"), []string{
		"* CAPABILITY IMAP4rev1 LITERAL+ SASL-IR IDLE NAMESPACE UNSELECT AUTH=PLAIN", "c OK CAPABILITY completed"})
	expectLines(t, "STARTTLS again", c.cmd("d", "STARTTLS"), []string{"d BAD TLS already active"})
	expectLines(t, "LOGIN", c.cmd("e", "LOGIN imaptest password"), []string{"e " + loginOK})
}

func TestCloseEndsConnections(t *testing.T) {
	srv := New(Options{})
	l := listen(t)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	var clients []*rawClient
	for range 3 {
		c := dialRaw(t, l.Addr().String())
		c.line()
		clients = append(clients, c)
	}
	// Close returns once every connection handler has.
	closeServer(t, srv, served)
	for i, c := range clients {
		if _, err := c.br.ReadByte(); err == nil {
			t.Errorf("client %d: read after Close succeeded, want an error", i)
		}
	}
	if err := srv.Serve(listen(t)); !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve() after Close = %v, want ErrServerClosed", err)
	}
	if err := srv.ServeTLS(listen(t)); err == nil {
		t.Errorf("ServeTLS() without TLS = nil, want an error")
	}
}

func TestDebugWriter(t *testing.T) {
	var mu sync.Mutex
	var buf bytes.Buffer
	w := writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return buf.Write(p)
	})
	ts := startServer(t, Options{Debug: w}, false)
	c := loggedIn(t, ts.plain)
	c.cmd("z", "LOGOUT")
	mu.Lock()
	defer mu.Unlock()
	for _, want := range []string{greetingPlain + "\r\n", "l0 LOGIN imaptest password\r\n", "z OK LOGOUT completed\r\n"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("debug output = %q, want it to hold %q", buf.String(), want)
		}
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
