package imapd

import (
	"slices"
	"sort"
	"strings"
)

// System flags (RFC 3501 section 2.3.2).
const (
	flagSeen     = `\Seen`
	flagAnswered = `\Answered`
	flagFlagged  = `\Flagged`
	flagDeleted  = `\Deleted`
	flagDraft    = `\Draft`
	flagRecent   = `\Recent`
)

// systemFlags are the flags every mailbox supports, in the order responses list them.
var systemFlags = []string{flagAnswered, flagFlagged, flagDeleted, flagSeen, flagDraft}

// canonicalFlag spells a system flag the standard way and reports whether
// f is a flag a client may store.
func canonicalFlag(f string) (string, bool) {
	if strings.HasPrefix(f, `\`) {
		for _, sf := range systemFlags {
			if strings.EqualFold(f, sf) {
				return sf, true
			}
		}
		return "", false // \Recent and unknown system flags
	}
	if f == "" {
		return "", false
	}
	for i := 0; i < len(f); i++ {
		if !isAtomChar(f[i]) {
			return "", false
		}
	}
	return f, true
}

// applyFlags combines cur with flags as op says; the result is sorted and
// free of duplicates (keywords compare case-insensitively).
func applyFlags(cur []string, op FlagOp, flags []string) []string {
	var out []string
	switch op {
	case FlagsReplace:
		out = slices.Clone(flags)
	case FlagsAdd:
		out = append(slices.Clone(cur), flags...)
	case FlagsRemove:
		out = slices.DeleteFunc(slices.Clone(cur), func(f string) bool {
			return slices.ContainsFunc(flags, func(g string) bool { return strings.EqualFold(f, g) })
		})
	}
	slices.SortFunc(out, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	return slices.CompactFunc(out, strings.EqualFold)
}

func hasFlag(flags []string, f string) bool {
	return slices.ContainsFunc(flags, func(g string) bool { return strings.EqualFold(f, g) })
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
