package spec

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The text rules below are the only ones: [Testbed.Validate] and the
// legacy and compose loaders all call them, so a value is refused, and
// described, the same way whichever format it came in.

// badRune reports a character no single line of text may hold: control
// characters (NUL, tab, newline, escape, ...), invisible format characters
// (bidi overrides, zero-width spaces) and U+FFFD, which stands in for bytes
// that were not UTF-8.
func badRune(r rune) bool {
	return r == utf8.RuneError || unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
}

// CheckText returns why s cannot be one line of free text (a label value,
// an option, a maintainer), or nil: it is not valid UTF-8, or it holds a
// control or invisible character, which could fake a line or hide text on
// a terminal. The message names the first such character, escaped.
func CheckText(s string) error {
	if !utf8.ValidString(s) {
		return errors.New("not valid UTF-8")
	}
	for _, r := range s {
		if badRune(r) {
			return fmt.Errorf("control or invisible character %+q not allowed", r)
		}
	}
	return nil
}

// CheckData returns why s cannot be a data value (an argument, an
// environment value), or nil: anything goes except NUL, which no C string
// can carry.
func CheckData(s string) error {
	if strings.IndexByte(s, 0) >= 0 {
		return errors.New("NUL character not allowed")
	}
	return nil
}

// EscapeText returns s with each character [CheckText] refuses written as
// its Go escape (\n, \x1b, \u202e) and each byte that is not UTF-8 as \xNN,
// so text from elsewhere (another library's error message quoting a value
// from the file) prints as one inert line. Everything else is kept as is.
func EscapeText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case badRune(r):
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// checkText is [CheckText] as the validator's message text; "" when s is
// fine.
func checkText(s string) string { return errText(CheckText(s)) }

// checkData is [CheckData] as the validator's message text; "" when s is
// fine.
func checkData(s string) string { return errText(CheckData(s)) }

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
