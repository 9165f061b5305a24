package imapd

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

func newTestLineReader(in string) *lineReader {
	return &lineReader{br: bufio.NewReader(strings.NewReader(in)),
		deadline: func(time.Time) error { return nil }, timeout: time.Second}
}

var parseSeeds = []string{
	"a LOGIN imaptest password",
	`a LOGIN "imap\"test" {8}` + "\r\npassword",
	`a UID FETCH 1:*,3 (FLAGS BODY.PEEK[HEADER.FIELDS (From "To")]<0.10> BODYSTRUCTURE)`,
	"a FETCH 3 (BODY[1.2.MIME] BODY[2.TEXT] RFC822.HEADER ENVELOPE)",
	"a SEARCH CHARSET UTF-8 OR (FROM x) NOT SUBJECT {3+}\r\nabc UID 1:* SINCE 1-Jan-2024",
	`a STORE 1 +FLAGS.SILENT (\Seen $Label)`,
	`a APPEND INBOX (\Seen) " 7-Feb-2024 10:11:12 +0100" {5}` + "\r\nhello",
	`a LIST "" %`,
	"((((",
	"a {5}\r\nab",
}

// FuzzParseCommand feeds the command parser, and the parsers of FETCH
// items, sequence sets, STORE flags and SEARCH keys behind it, arbitrary
// bytes. They must never panic.
func FuzzParseCommand(f *testing.F) {
	for _, s := range parseSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		cmd, err := parseCommand(in)
		if err != nil {
			return
		}
		if cmd.tag == "" || cmd.name == "" {
			t.Fatalf("parseCommand(%q) = %+v without tag or name", in, cmd)
		}
		if len(cmd.args) > 0 && cmd.args[0].kind == argAtom {
			parseSeqSet(cmd.args[0].s)
		}
		switch {
		case len(cmd.args) >= 2 && cmd.name == "FETCH":
			parseFetchItems(cmd.args[1:])
		case len(cmd.args) >= 3 && cmd.name == "STORE":
			parseFlagList(cmd.args[2:])
		case cmd.name == "SEARCH":
			parseSearch(cmd.args)
		}
	})
}

// FuzzParseMessage runs the MIME parser and what FETCH builds from it on
// arbitrary messages.
func FuzzParseMessage(f *testing.F) {
	for _, m := range SeedMessages("fuzz") {
		f.Add(m.Body)
	}
	f.Add([]byte("Content-Type: message/rfc822\r\n\r\nContent-Type: multipart/digest; boundary=b\r\n\r\n--b\r\n\r\nSubject: x\r\n\r\nhi\r\n--b--\r\n"))
	f.Add([]byte("Subject: no body"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		p := parseMessage(raw)
		var b bytes.Buffer
		writeEnvelope(&b, p)
		writeBodyStructure(&b, p, true)
		writeBodyStructure(&b, p, false)
		for _, sec := range []section{
			{}, {spec: "HEADER"}, {spec: "TEXT"}, {path: []int{1}}, {path: []int{1, 1}, spec: "MIME"},
			{path: []int{2, 1}}, {path: []int{1}, spec: "HEADER"}, {spec: "HEADER.FIELDS", fields: []string{"Subject"}},
		} {
			sectionData(raw, p, sec)
		}
	})
}

var sessionSeeds = []string{
	"a CAPABILITY\r\nb LOGIN imaptest password\r\nc SELECT INBOX\r\nd FETCH 1:* (FLAGS BODYSTRUCTURE BODY[] ENVELOPE)\r\ne LOGOUT\r\n",
	"a LOGIN {8}\r\nimaptest {8}\r\npassword\r\nb EXAMINE inbox\r\nc UID FETCH 2:* BODY.PEEK[HEADER.FIELDS (Subject)]<0.7>\r\n",
	"a AUTHENTICATE PLAIN\r\nAGltYXB0ZXN0AHBhc3N3b3Jk\r\nb SELECT INBOX\r\nc STORE 1:* +FLAGS (\\Deleted)\r\nd EXPUNGE\r\ne NOOP\r\n",
	"a AUTHENTICATE PLAIN AGltYXB0ZXN0AHBhc3N3b3Jk\r\nb APPEND INBOX (\\Seen) {12+}\r\nSubject: x\r\n\r\nc SELECT INBOX\r\nd SEARCH OR SEEN NOT FROM alice\r\ne IDLE\r\nDONE\r\n",
	"a STARTTLS\r\n\x16\x03\x01\x00\x05hello",
	"a LOGIN imaptest password\r\nb LIST \"\" *\r\nc STATUS INBOX (MESSAGES UNSEEN)\r\nd SELECT Sent\r\ne COPY 1 INBOX\r\nf CLOSE\r\n",
	"a LOGIN {99999999}\r\n",
	"a LOGIN imaptest password\r\nb CREATE x/y/\r\nc RENAME x/y z\r\nd SELECT z\r\ne IDLE\r\nDONE\r\nf RENAME INBOX w\r\ng DELETE z\r\nh LSUB \"\" %\r\ni UNSUBSCRIBE w\r\n",
}

// FuzzSession runs whole sessions over net.Pipe with arbitrary client
// bytes. The server must neither panic nor hang: every session has to end
// within a bounded time after the input ends.
func FuzzSession(f *testing.F) {
	for _, s := range sessionSeeds {
		f.Add([]byte(s))
	}
	cert := newTestCert(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		srv := New(Options{TLS: cert.server, IdleTimeout: 100 * time.Millisecond})
		defer srv.Close()
		client, server := net.Pipe()
		defer client.Close()
		done := make(chan struct{})
		if !srv.track.Go(server, func() {
			defer close(done)
			srv.handle(server, false)
		}) {
			t.Fatal("track.Go() = false on a fresh server")
		}
		out := make(chan []byte, 1)
		go func() {
			b, _ := io.ReadAll(client)
			out <- b
		}()
		client.SetWriteDeadline(time.Now().Add(5 * time.Second))
		client.Write(in)
		client.Write([]byte("\r\nzz LOGOUT\r\n"))
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("session still running 10s after its input ended")
		}
		client.Close()
		// Under load the 100ms write deadline may cut the output short, but
		// whatever came out starts with the greeting.
		greeting := []byte(greetingTLS + "\r\n")
		got := <-out
		if !bytes.HasPrefix(got, greeting) && !bytes.HasPrefix(greeting, got) {
			t.Errorf("session output starts %q, want the greeting", got[:min(len(got), len(greeting))])
		}
	})
}
