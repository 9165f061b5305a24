package imapd

import (
	"strings"
	"time"
)

// SeedMessages returns the messages every INBOX of a [MemoryStore] starts
// with, addressed to user@testbed.test: three text/plain messages (the first
// already \Seen) and one multipart/mixed message holding a
// multipart/alternative text and HTML body and a small attachment.
// The result is the same for the same user.
func SeedMessages(user string) []Message {
	to := user + "@testbed.test"
	date := func(day, hour int) time.Time {
		return time.Date(2024, time.January, day, hour, 0, 0, 0, time.UTC)
	}
	msgs := []struct {
		flags []string
		date  time.Time
		text  string
	}{
		{[]string{flagSeen}, date(2, 9), `From: Testbed Postmaster <postmaster@testbed.test>
To: IMAP Test <` + to + `>
Subject: Welcome to testbed
Date: Tue, 02 Jan 2024 09:00:00 +0000
Message-ID: <welcome.1@testbed.test>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

Hello,

this mailbox belongs to the testbed IMAP server.
It holds a few fixed messages for client tests.
`},
		{nil, date(3, 10), `From: Alice Example <alice@testbed.test>
To: ` + to + `
Cc: Bob Example <bob@testbed.test>
Subject: Meeting notes
Date: Wed, 03 Jan 2024 10:00:00 +0000
Message-ID: <notes.2@testbed.test>
In-Reply-To: <welcome.1@testbed.test>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Notes from the meeting:
- ship the IMAP server
- test it with real clients
`},
		{[]string{flagFlagged}, date(4, 11), `From: Bob Example <bob@testbed.test>
To: ` + to + `
Subject: Quarterly report
Date: Thu, 04 Jan 2024 11:00:00 +0000
Message-ID: <report.3@testbed.test>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="mixed-boundary-3"

This is a multi-part message in MIME format.

--mixed-boundary-3
Content-Type: multipart/alternative; boundary="alt-boundary-3"

--alt-boundary-3
Content-Type: text/plain; charset=us-ascii

The report is attached.
--alt-boundary-3
Content-Type: text/html; charset=us-ascii

<p>The report is <b>attached</b>.</p>
--alt-boundary-3--

--mixed-boundary-3
Content-Type: application/octet-stream; name="report.bin"
Content-Disposition: attachment; filename="report.bin"
Content-Transfer-Encoding: base64

dGVzdGJlZCByZXBvcnQgZGF0YQo=
--mixed-boundary-3--
`},
		{nil, date(5, 12), `From: Carol Example <carol@testbed.test>
To: ` + to + `
Subject: Lunch?
Date: Fri, 05 Jan 2024 12:00:00 +0000
Message-ID: <lunch.4@testbed.test>

Are you free for lunch on Friday?
`},
	}
	out := make([]Message, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, Message{
			Flags:        m.flags,
			InternalDate: m.date,
			Body:         []byte(strings.ReplaceAll(m.text, "\n", "\r\n")),
		})
	}
	return out
}
