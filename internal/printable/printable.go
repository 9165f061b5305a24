// Package printable makes text safe to show on a terminal or in a log: every
// control byte, invalid UTF-8 and other non-printable rune is written as a Go
// escape (\x01, \u200b), so that nothing testbed prints can move a cursor,
// change colours or make grep take a file for binary.
package printable

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// String returns s with every non-printable rune escaped. Tabs stay as they
// are; newlines stay unless oneLine, which escapes them too.
func String(s string, oneLine bool) string {
	if isClean(s, oneLine) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\t', r == '\n' && !oneLine:
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x80 && !unicode.IsPrint(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case !unicode.IsPrint(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// Line is String(s, true): one line, whatever s holds.
func Line(s string) string { return String(s, true) }

// Text is String(s, false): newlines and tabs kept, everything else escaped.
func Text(s string) string { return String(s, false) }

func isClean(s string, oneLine bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			return false // decode it properly
		}
		if c == '\t' || c == '\n' && !oneLine {
			continue
		}
		if c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

// Truncate shortens s to at most width runes, ending it with "…" when it
// had to cut. A width below 1 gives "".
func Truncate(s string, width int) string {
	if width < 1 {
		return ""
	}
	if utf8.RuneCountInString(s) <= width {
		return s
	}
	n := 0
	for i := range s {
		if n == width-1 {
			return s[:i] + "…"
		}
		n++
	}
	return s
}
