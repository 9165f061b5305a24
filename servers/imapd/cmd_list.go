package imapd

import (
	"bytes"
	"strconv"
	"strings"
)

const delimiter = "/"

// cmdList runs LIST and LSUB; every mailbox counts as subscribed.
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
	for _, name := range names {
		if !matchMailbox(ref+pattern, name) {
			continue
		}
		var b bytes.Buffer
		b.WriteString(c.name + ` (\HasNoChildren) "` + delimiter + `" `)
		writeAString(&b, name)
		s.untagged(b.String())
	}
	return respOK("", c.name+" completed")
}

// matchMailbox matches a LIST pattern: '*' matches anything, '%' anything
// but the hierarchy delimiter. INBOX matches case-insensitively.
func matchMailbox(pattern, name string) bool {
	if name == "INBOX" && len(pattern) >= 5 && strings.EqualFold(pattern[:5], "INBOX") {
		pattern = "INBOX" + pattern[5:]
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
		case "RECENT":
			n = 0
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

// cmdSubscribe accepts SUBSCRIBE and UNSUBSCRIBE; every mailbox is subscribed.
func (s *session) cmdSubscribe(c *command) status {
	if len(c.args) != 1 || !c.args[0].isString() {
		return respBAD("%s needs a mailbox name", c.name)
	}
	return respOK("", c.name+" completed")
}
