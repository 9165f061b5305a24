package imapd

import (
	"bytes"
	"strings"
	"testing"
)

func crlf(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

// forwarded is a message whose second part is a message/rfc822 holding a
// multipart/alternative message.
var forwarded = crlf(`Subject: fwd
Content-Type: multipart/mixed; boundary=outer

preamble
--outer
Content-Type: text/plain

see below
--outer
Content-Type: message/rfc822

Subject: inner
Content-Type: multipart/alternative; boundary=inner

--inner

plain inner
--inner
Content-Type: text/html

<p>inner</p>
--inner--
--outer--
epilogue
`)

func TestSectionData(t *testing.T) {
	p := parseMessage(forwarded)
	tests := []struct {
		sec  section
		want string // "NIL" for a missing section
	}{
		{section{path: []int{1}}, "see below"},
		{section{path: []int{2, 1}}, "plain inner"},
		{section{path: []int{2, 2}}, "<p>inner</p>"},
		{section{path: []int{2, 3}}, "NIL"},
		{section{path: []int{2}, spec: "HEADER"}, "Subject: inner\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n"},
		{section{path: []int{2}, spec: "HEADER.FIELDS", fields: []string{"subject"}}, "Subject: inner\r\n\r\n"},
		{section{path: []int{2}, spec: "MIME"}, "Content-Type: message/rfc822\r\n\r\n"},
		{section{path: []int{1}, spec: "HEADER"}, "NIL"}, // not a message/rfc822 part
		{section{path: []int{2, 1}, spec: "MIME"}, "\r\n"},
		{section{path: []int{3}}, "NIL"},
		{section{path: []int{1, 1}}, "NIL"},
		{section{spec: "HEADER.FIELDS.NOT", fields: []string{"Content-Type"}}, "Subject: fwd\r\n\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.sec.String(), func(t *testing.T) {
			got, found := sectionData(forwarded, p, tt.sec)
			if !found {
				got = []byte("NIL")
			}
			if string(got) != tt.want {
				t.Errorf("sectionData(%s) = %q, want %q", tt.sec, got, tt.want)
			}
		})
	}
}

func TestBodyStructureNested(t *testing.T) {
	var b bytes.Buffer
	writeBodyStructure(&b, parseMessage(forwarded), false)
	want := `(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 9 1)` +
		`("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 154 (NIL "inner" NIL NIL NIL NIL NIL NIL NIL NIL) ` +
		`(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 11 1)("TEXT" "HTML" ("CHARSET" "us-ascii") NIL NIL "7BIT" 12 1) "ALTERNATIVE") 11) "MIXED")`
	if b.String() != want {
		t.Errorf("BODY =\n%s\nwant\n%s", b.String(), want)
	}
}

func TestParseOddMessages(t *testing.T) {
	tests := []struct {
		name, raw, header, text, structure string
	}{
		{"header only", "Subject: x", "Subject: x\r\n\r\n", "", `("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 0 0)`},
		{"LF line endings", "Subject: x\n\nbody\n", "Subject: x\n\n", "body\n", `("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 5 1)`},
		{"no header", "\r\nbody", "\r\n", "body", `("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 4 1)`},
		{"multipart without boundary", "Content-Type: multipart/mixed\r\n\r\nx", "Content-Type: multipart/mixed\r\n\r\n", "x",
			`("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 1 1)`},
		{"unterminated multipart", "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nx", "Content-Type: multipart/mixed; boundary=b\r\n\r\n", "--b\r\n\r\nx",
			`(("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 1 1) "MIXED")`},
		{"folded header", "Subject: a\r\n b\r\n\r\n", "Subject: a\r\n b\r\n\r\n", "", `("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 0 0)`},
		{"bad content type", "Content-Type: ;;;\r\n\r\nx", "Content-Type: ;;;\r\n\r\n", "x", `("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 1 1)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := parseMessage([]byte(tt.raw))
			if got := string(p.header.bytes()); got != tt.header {
				t.Errorf("header = %q, want %q", got, tt.header)
			}
			if got := string(p.body); got != tt.text {
				t.Errorf("text = %q, want %q", got, tt.text)
			}
			var b bytes.Buffer
			writeBodyStructure(&b, p, false)
			if b.String() != tt.structure {
				t.Errorf("BODY = %s, want %s", b.String(), tt.structure)
			}
		})
	}
	if v, _ := parseMessage([]byte("Subject: a\r\n b\r\n\tc\r\n\r\n")).header.get("subject"); v != "a b c" {
		t.Errorf("unfolded Subject = %q, want %q", v, "a b c")
	}
}

func TestEnvelopeEncoding(t *testing.T) {
	raw := "From: \"Ünïcode Näme\" <u@x.test>, plain@y.test\r\nTo: undisclosed-recipients:;\r\nSubject: caf\xc3\xa9 \"quoted\"\r\n\r\n"
	var b bytes.Buffer
	writeEnvelope(&b, parseMessage([]byte(raw)))
	want := `(NIL {14}` + "\r\n" + "caf\xc3\xa9 \"quoted\"" +
		` (("=?utf-8?q?=C3=9Cn=C3=AFcode_N=C3=A4me?=" NIL "u" "x.test")(NIL NIL "plain" "y.test"))` +
		` (("=?utf-8?q?=C3=9Cn=C3=AFcode_N=C3=A4me?=" NIL "u" "x.test")(NIL NIL "plain" "y.test"))` +
		` (("=?utf-8?q?=C3=9Cn=C3=AFcode_N=C3=A4me?=" NIL "u" "x.test")(NIL NIL "plain" "y.test"))` +
		` NIL NIL NIL NIL NIL)`
	if b.String() != want {
		t.Errorf("ENVELOPE =\n%q\nwant\n%q", b.String(), want)
	}
}
