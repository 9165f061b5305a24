package imapd

import (
	"errors"
	"slices"
	"strings"
)

// delimiter separates the levels of the mailbox hierarchy.
const delimiter = "/"

// maxMailboxName bounds the bytes of a mailbox name a client may create.
const maxMailboxName = 512

// mailboxName canonicalises INBOX, which is case-insensitive, alone and as
// the first level of a longer name ("inbox/x" is "INBOX/x").
func mailboxName(name string) string {
	if len(name) >= 5 && strings.EqualFold(name[:5], "INBOX") &&
		(len(name) == 5 || strings.HasPrefix(name[5:], delimiter)) {
		return "INBOX" + name[5:]
	}
	return name
}

// checkMailboxName says why name cannot be given to a new mailbox.
func checkMailboxName(name string) error {
	switch {
	case name == "":
		return errors.New("empty mailbox name")
	case len(name) > maxMailboxName:
		return errors.New("mailbox name too long")
	case strings.HasPrefix(name, delimiter) || strings.HasSuffix(name, delimiter) ||
		strings.Contains(name, delimiter+delimiter):
		return errors.New("empty level in mailbox name")
	}
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case c < 0x20 || c >= 0x7f:
			return errors.New("mailbox names are 7-bit (modified UTF-7) text")
		case c == '*' || c == '%':
			return errors.New("wildcards are not allowed in mailbox names")
		}
	}
	return nil
}

// isBelow reports whether name is below parent in the hierarchy.
func isBelow(name, parent string) bool {
	return len(name) > len(parent) && strings.HasPrefix(name, parent) &&
		strings.HasPrefix(name[len(parent):], delimiter)
}

// ancestors returns the names above name, the top level first:
// "a/b/c" gives "a" and "a/b".
func ancestors(name string) []string {
	var out []string
	for i := 0; i < len(name); i++ {
		if name[i] == delimiter[0] {
			out = append(out, name[:i])
		}
	}
	return out
}

// sortMailboxes orders names as LIST shows them: INBOX and the mailboxes
// below it first, then level by level, each mailbox followed by those
// below it.
func sortMailboxes(names []string) {
	slices.SortFunc(names, func(a, b string) int {
		aInbox, bInbox := a == "INBOX" || isBelow(a, "INBOX"), b == "INBOX" || isBelow(b, "INBOX")
		if aInbox != bInbox {
			if aInbox {
				return -1
			}
			return 1
		}
		return slices.Compare(strings.Split(a, delimiter), strings.Split(b, delimiter))
	})
}
