package imapd

import (
	"bytes"
	"strconv"
	"strings"
)

// maxQuoted is the longest string sent quoted; longer ones go as literals.
const maxQuoted = 1024

// writeString writes s as a quoted string, or as a literal when it holds
// bytes a quoted string cannot.
func writeString(b *bytes.Buffer, s string) {
	if !quotable(s) {
		writeLiteral(b, []byte(s))
		return
	}
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
}

// writeNString writes s, or NIL when s is empty.
func writeNString(b *bytes.Buffer, s string) {
	if s == "" {
		b.WriteString("NIL")
		return
	}
	writeString(b, s)
}

// writeAString writes s as an atom when it is one, else as a string.
func writeAString(b *bytes.Buffer, s string) {
	if s != "" && !strings.EqualFold(s, "NIL") && isAtom(s) {
		b.WriteString(s)
		return
	}
	writeString(b, s)
}

// writeLiteral writes data as a literal.
func writeLiteral(b *bytes.Buffer, data []byte) {
	b.WriteByte('{')
	b.WriteString(strconv.Itoa(len(data)))
	b.WriteString("}\r\n")
	b.Write(data)
}

// writeFlags writes a parenthesised flag list.
func writeFlags(b *bytes.Buffer, flags []string) {
	b.WriteByte('(')
	b.WriteString(strings.Join(flags, " "))
	b.WriteByte(')')
}

func quotable(s string) bool {
	if len(s) > maxQuoted {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == 0 || c == '\r' || c == '\n' || c >= 0x80 {
			return false
		}
	}
	return true
}

func isAtom(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isAtomChar(s[i]) {
			return false
		}
	}
	return true
}
