package imapd

import (
	"bytes"
	"fmt"
	"strings"
)

// cmdStore runs STORE and UID STORE: FLAGS, +FLAGS, -FLAGS, each with .SILENT.
func (s *session) cmdStore(c *command) status {
	if len(c.args) < 3 || c.args[0].kind != argAtom || c.args[1].kind != argAtom {
		return respBAD("STORE needs a sequence set, an item and flags")
	}
	set, err := parseSeqSet(c.args[0].s)
	if err != nil {
		return respBAD("%v", err)
	}
	item := strings.ToUpper(c.args[1].s)
	silent := strings.HasSuffix(item, ".SILENT")
	item = strings.TrimSuffix(item, ".SILENT")
	var op FlagOp
	switch item {
	case "FLAGS":
		op = FlagsReplace
	case "+FLAGS":
		op = FlagsAdd
	case "-FLAGS":
		op = FlagsRemove
	default:
		return respBAD("unknown STORE item %q", c.args[1].s)
	}
	flags, err := parseFlagList(c.args[2:])
	if err != nil {
		return respBAD("%v", err)
	}
	if s.sel.readOnly {
		return respNO("READ-ONLY", "Mailbox is read-only")
	}
	msgs, st, failed := s.messages(set, c.uid)
	if failed {
		return st
	}
	if len(msgs) > 0 {
		defer s.srv.hub.changed(s.user, s.sel.name)
	}
	for _, m := range msgs {
		newFlags, err := s.srv.store.SetFlags(s.ctx, s.user, s.sel.name, m.UID, op, flags)
		if err != nil {
			return s.storeFailure("STORE", err)
		}
		s.sel.flags[m.UID] = strings.Join(newFlags, " ")
		if silent {
			continue
		}
		var b bytes.Buffer
		fmt.Fprintf(&b, "%d FETCH (", m.seq)
		if c.uid {
			fmt.Fprintf(&b, "UID %d ", m.UID)
		}
		b.WriteString("FLAGS ")
		writeFlags(&b, withRecent(newFlags, m.recent))
		b.WriteByte(')')
		s.untagged(b.String())
	}
	return respOK("", c.name+" completed")
}

// parseFlagList parses flags given as one list or as flag atoms. \Recent
// is dropped (no client may set it); other unknown system flags are errors.
func parseFlagList(args []arg) ([]string, error) {
	if len(args) == 1 && args[0].kind == argList {
		args = args[0].list
	}
	flags := make([]string, 0, len(args))
	for _, a := range args {
		if a.kind != argAtom {
			return nil, fmt.Errorf("invalid flag")
		}
		if strings.EqualFold(a.s, flagRecent) {
			continue
		}
		f, valid := canonicalFlag(a.s)
		if !valid {
			return nil, fmt.Errorf("invalid flag %q", a.s)
		}
		flags = append(flags, f)
	}
	return flags, nil
}
