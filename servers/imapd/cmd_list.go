package imapd

import (
	"bytes"
	"strconv"
	"strings"
)

// cmdList runs LIST and LSUB. A name above mailboxes that is not one
// itself (left by a DELETE, or made by CREATE a/b) shows as \Noselect.
func (s *session) cmdList(c *command) status {
	if len(c.args) != 2 || !c.args[0].isString() || !c.args[1].isString() {
		return respBAD("%s needs a reference and a mailbox pattern", c.name)
	}
	ref, pattern := c.args[0].s, c.args[1].s
	if pattern == "" {
		if c.name == "LIST" {
			s.untagged(`LIST (\Noselect) "` + delimiter + `" ""`)
		}
		return respOK("", c.name+" completed")
	}
	names, err := s.srv.store.Mailboxes(s.ctx, s.user)
	if err != nil {
		return s.storeFailure(c.name, err)
	}
	exists := map[string]bool{}
	parents := map[string]bool{} // names with mailboxes below them
	for _, n := range names {
		exists[n] = true
		for _, a := range ancestors(n) {
			parents[a] = true
		}
	}
	levels := map[string]bool{} // LSUB: unsubscribed levels above subscribed names
	attrs := func(name string) string {
		if levels[name] {
			return `\Noselect`
		}
		var a []string
		if !exists[name] {
			a = append(a, `\Noselect`)
		}
		switch {
		case parents[name]:
			a = append(a, `\HasChildren`)
		case exists[name]:
			a = append(a, `\HasNoChildren`)
		}
		return strings.Join(a, " ")
	}
	var listed []string
	if c.name == "LIST" {
		listed = names
		for p := range parents {
			if !exists[p] {
				listed = append(listed, p)
			}
		}
	} else {
		if listed, err = s.srv.subs.list(s.user, s.storeMailboxes); err != nil {
			return s.storeFailure(c.name, err)
		}
		if strings.HasSuffix(pattern, "%") {
			// The levels above subscribed names that % stops at are shown,
			// as \Noselect when not subscribed (RFC 3501 section 6.3.9).
			subscribed := map[string]bool{}
			for _, n := range listed {
				subscribed[n] = true
			}
			for _, n := range listed {
				for _, a := range ancestors(n) {
					if !subscribed[a] {
						levels[a] = true
					}
				}
			}
			for a := range levels {
				listed = append(listed, a)
			}
		}
	}
	sortMailboxes(listed)
	for _, name := range listed {
		if !matchMailbox(ref+pattern, name) {
			continue
		}
		var b bytes.Buffer
		b.WriteString(c.name + " (" + attrs(name) + `) "` + delimiter + `" `)
		writeAString(&b, name)
		s.untagged(b.String())
	}
	return respOK("", c.name+" completed")
}

// storeMailboxes lists the user's mailboxes, to subscribe to on first use.
func (s *session) storeMailboxes() ([]string, error) {
	return s.srv.store.Mailboxes(s.ctx, s.user)
}

// matchMailbox matches a LIST pattern: '*' matches anything, '%' anything
// but the hierarchy delimiter. INBOX matches case-insensitively, also as
// the first level of a name.
func matchMailbox(pattern, name string) bool {
	if name == "INBOX" || isBelow(name, "INBOX") {
		if len(pattern) >= 5 && strings.EqualFold(pattern[:5], "INBOX") {
			pattern = "INBOX" + pattern[5:]
		}
	}
	// prev[j]: pattern[:i] matches name[:j], one row at a time.
	prev := make([]bool, len(name)+1)
	cur := make([]bool, len(name)+1)
	prev[0] = true
	for i := 0; i < len(pattern); i++ {
		pc := pattern[i]
		cur[0] = prev[0] && (pc == '*' || pc == '%')
		for j := 1; j <= len(name); j++ {
			switch pc {
			case '*':
				cur[j] = prev[j] || cur[j-1]
			case '%':
				cur[j] = prev[j] || cur[j-1] && name[j-1] != delimiter[0]
			default:
				cur[j] = prev[j-1] && name[j-1] == pc
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(name)]
}

func (s *session) cmdStatus(c *command) status {
	if len(c.args) != 2 || !c.args[0].isString() || c.args[1].kind != argList {
		return respBAD("STATUS needs a mailbox name and a list of items")
	}
	name := mailboxName(c.args[0].s)
	mb, err := s.srv.store.Mailbox(s.ctx, s.user, name)
	if err != nil {
		return s.storeFailure("STATUS", err)
	}
	var b bytes.Buffer
	b.WriteString("STATUS ")
	writeAString(&b, name)
	b.WriteString(" (")
	for i, it := range c.args[1].list {
		if it.kind != argAtom {
			return respBAD("invalid STATUS item")
		}
		var n uint32
		switch item := strings.ToUpper(it.s); item {
		case "MESSAGES":
			n = uint32(len(mb.Messages))
		case "RECENT": // those the next session to look will see \Recent
			floor := s.srv.hub.claimRecent(s.user, name, mb.UIDValidity, 0, false)
			for _, m := range mb.Messages {
				if m.UID > floor {
					n++
				}
			}
		case "UIDNEXT":
			n = mb.UIDNext
		case "UIDVALIDITY":
			n = mb.UIDValidity
		case "UNSEEN":
			for _, m := range mb.Messages {
				if !hasFlag(m.Flags, flagSeen) {
					n++
				}
			}
		default:
			return respBAD("unknown STATUS item %q", it.s)
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(strings.ToUpper(it.s) + " " + strconv.FormatUint(uint64(n), 10))
	}
	b.WriteByte(')')
	s.untagged(b.String())
	return respOK("", "STATUS completed")
}

func (s *session) cmdNamespace(c *command) status {
	if len(c.args) != 0 {
		return respBAD("NAMESPACE takes no arguments")
	}
	s.untagged(`NAMESPACE (("" "` + delimiter + `")) NIL NIL`)
	return respOK("", "NAMESPACE completed")
}

// cmdSubscribe runs SUBSCRIBE, for existing mailboxes, and UNSUBSCRIBE.
func (s *session) cmdSubscribe(c *command) status {
	if len(c.args) != 1 || !c.args[0].isString() {
		return respBAD("%s needs a mailbox name", c.name)
	}
	name := mailboxName(c.args[0].s)
	on := c.name == "SUBSCRIBE"
	if on {
		if _, err := s.srv.store.Mailbox(s.ctx, s.user, name); err != nil {
			return s.storeFailure(c.name, err)
		}
	}
	if err := s.srv.subs.set(s.user, name, on, s.storeMailboxes); err != nil {
		return s.storeFailure(c.name, err)
	}
	return respOK("", c.name+" completed")
}
