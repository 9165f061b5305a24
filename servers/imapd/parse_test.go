package imapd

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestParseCommand(t *testing.T) {
	atom := func(s string) arg { return arg{kind: argAtom, s: s} }
	quoted := func(s string) arg { return arg{kind: argQuoted, s: s} }
	literal := func(s string) arg { return arg{kind: argLiteral, s: s} }
	list := func(e ...arg) arg { return arg{kind: argList, list: append([]arg{}, e...)} }
	tests := []struct {
		in   string
		want *command
	}{
		{"a1 NOOP", &command{tag: "a1", name: "NOOP"}},
		{"a1 noop ", &command{tag: "a1", name: "NOOP"}},
		{`t LOGIN "us\"er" {4}` + "\r\npass", &command{tag: "t", name: "LOGIN", args: []arg{quoted(`us"er`), literal("pass")}}},
		{"t LOGIN {3+}\r\nx y {0}\r\n", &command{tag: "t", name: "LOGIN", args: []arg{literal("x y"), literal("")}}},
		{"t uid fetch 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (From To)]<0.10>)", &command{tag: "t", name: "FETCH", uid: true,
			args: []arg{atom("1:*"), list(atom("FLAGS"), atom("BODY.PEEK[HEADER.FIELDS (From To)]<0.10>"))}}},
		{`t STORE 1 +FLAGS (\Seen \Flagged)`, &command{tag: "t", name: "STORE",
			args: []arg{atom("1"), atom("+FLAGS"), list(atom(`\Seen`), atom(`\Flagged`))}}},
		{`t LIST "" *`, &command{tag: "t", name: "LIST", args: []arg{quoted(""), atom("*")}}},
		{`t STATUS INBOX ()`, &command{tag: "t", name: "STATUS", args: []arg{atom("INBOX"), list()}}},
		{`t SEARCH (OR (SEEN) ((FLAGGED)))`, &command{tag: "t", name: "SEARCH",
			args: []arg{list(atom("OR"), list(atom("SEEN")), list(list(atom("FLAGGED"))))}}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseCommand([]byte(tt.in))
			if err != nil {
				t.Fatalf("parseCommand() = %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseCommand() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseCommandErrors(t *testing.T) {
	tests := []struct {
		in, tag, msg string
	}{
		{"", "", "missing or invalid tag"},
		{"+x NOOP", "", "missing or invalid tag"},
		{"a", "a", "missing command"},
		{"a  NOOP", "a", "missing command"},
		{"a UID", "a", "missing command after UID"},
		{`a LOGIN "x`, "a", "unterminated quoted string"},
		{`a LOGIN "x\y"`, "a", "invalid escape in quoted string"},
		{"a LOGIN (x", "a", "unterminated list"},
		{"a LOGIN (x)y", "a", "expected space at offset 11"},
		{"a LOGIN {5}\r\nab", "a", "literal shorter than announced"},
		{"a LOGIN {5}", "a", "literal not followed by CRLF"},
		{"a LOGIN {}\r\n", "a", "invalid literal size"},
		{"a LOGIN {99999999999}\r\n", "a", "literal too large"},
		{"a FETCH 1 BODY[HEADER", "a", "unterminated section"},
		{"a X " + strings.Repeat("(", maxListDepth+1), "a", "lists nested too deeply"},
		{"a LOGIN x\x01", "a", "expected space at offset 9"},
		{"a LOGIN \x01", "a", "unexpected character '\\x01' at offset 8"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := parseCommand([]byte(tt.in))
			var pe *parseError
			if !errors.As(err, &pe) {
				t.Fatalf("parseCommand() = %v, want a parse error", err)
			}
			if pe.tag != tt.tag || pe.msg != tt.msg {
				t.Errorf("parseCommand() = tag %q %q, want tag %q %q", pe.tag, pe.msg, tt.tag, tt.msg)
			}
		})
	}
}

func TestParseSeqSet(t *testing.T) {
	tests := []struct {
		in       string
		largest  uint32
		contains []uint32
		excludes []uint32
	}{
		{"1:*", 4, []uint32{1, 2, 4}, []uint32{5}},
		{"*", 4, []uint32{4}, []uint32{3}},
		{"3:1", 9, []uint32{1, 2, 3}, []uint32{4}},
		{"2,4:5,9", 9, []uint32{2, 4, 5, 9}, []uint32{1, 3, 6}},
		{"7:*", 3, []uint32{3, 7}, []uint32{2, 8}}, // 7:* is 3:7 when 3 is largest
	}
	for _, tt := range tests {
		set, err := parseSeqSet(tt.in)
		if err != nil {
			t.Fatalf("parseSeqSet(%q) = %v", tt.in, err)
		}
		for _, n := range tt.contains {
			if !set.contains(n, tt.largest) {
				t.Errorf("parseSeqSet(%q).contains(%d, %d) = false, want true", tt.in, n, tt.largest)
			}
		}
		for _, n := range tt.excludes {
			if set.contains(n, tt.largest) {
				t.Errorf("parseSeqSet(%q).contains(%d, %d) = true, want false", tt.in, n, tt.largest)
			}
		}
	}
	for _, in := range []string{"", "0", "1:", ":2", "1,,2", "a", "01", "4294967296", "+1", "1:2:3"} {
		if _, err := parseSeqSet(in); err == nil {
			t.Errorf("parseSeqSet(%q) = nil error, want one", in)
		}
	}
}

func TestParseFetchItems(t *testing.T) {
	tests := []struct {
		in        string
		wantNames []string
	}{
		{"ALL", []string{"FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"}},
		{"fast", []string{"FLAGS", "INTERNALDATE", "RFC822.SIZE"}},
		{"FULL", []string{"FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY"}},
		{"(uid rfc822 RFC822.TEXT bodystructure)", []string{"UID", "RFC822", "RFC822.TEXT", "BODYSTRUCTURE"}},
		{"body.peek[1.2.header.fields.not (X-A \"X-B\")]<5.10>", []string{"BODY[1.2.HEADER.FIELDS.NOT (X-A X-B)]<5>"}},
		{"BODY[]", []string{"BODY[]"}},
		{"BODY[3.MIME]", []string{"BODY[3.MIME]"}},
	}
	for _, tt := range tests {
		cmd, err := parseCommand([]byte("a FETCH 1 " + tt.in))
		if err != nil {
			t.Fatalf("parseCommand(%q) = %v", tt.in, err)
		}
		items, err := parseFetchItems(cmd.args[1:])
		if err != nil {
			t.Fatalf("parseFetchItems(%q) = %v", tt.in, err)
		}
		var names []string
		for _, it := range items {
			names = append(names, it.name)
		}
		if !reflect.DeepEqual(names, tt.wantNames) {
			t.Errorf("parseFetchItems(%q) = %q, want %q", tt.in, names, tt.wantNames)
		}
	}
	for _, in := range []string{"()", "BOGUS", "BODY[MIME]", "BODY[0]", "BODY[1.]", "BODY[TEXT (x)]",
		"BODY[HEADER.FIELDS ()]", "BODY[]<0.0>", "BODY[]<-1.2>", "(FLAGS \"x\")", "BINARY[]"} {
		cmd, err := parseCommand([]byte("a FETCH 1 " + in))
		if err != nil {
			continue // rejected by the command parser already
		}
		if _, err := parseFetchItems(cmd.args[1:]); err == nil {
			t.Errorf("parseFetchItems(%q) = nil error, want one", in)
		}
	}
}

func TestReadCommand(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		want  string
		conts int
	}{
		{"line", "a NOOP\r\n", "a NOOP", 0},
		{"bare LF", "a NOOP\n", "a NOOP", 0},
		{"sync literal", "a LOGIN {2}\r\nab {1}\r\nc\r\n", "a LOGIN {2}\r\nab {1}\r\nc", 2},
		{"non-sync literal", "a LOGIN {2+}\r\nab c\r\n", "a LOGIN {2+}\r\nab c", 0},
		{"literal holding CRLF", "a APPEND x {4}\r\n\r\n\r\n\r\n", "a APPEND x {4}\r\n\r\n\r\n", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newTestLineReader(tt.in)
			conts := 0
			got, err := r.readCommand(func() error { conts++; return nil })
			if err != nil {
				t.Fatalf("readCommand() = %v", err)
			}
			if string(got) != tt.want || conts != tt.conts {
				t.Errorf("readCommand() = %q with %d continuations, want %q with %d", got, conts, tt.want, tt.conts)
			}
		})
	}
}
