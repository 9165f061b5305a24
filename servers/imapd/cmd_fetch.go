package imapd

import (
	"bytes"
	"strconv"
	"strings"
)

// internalDateLayout is the date-time of INTERNALDATE and APPEND.
const internalDateLayout = "_2-Jan-2006 15:04:05 -0700"

// cmdFetch runs FETCH and UID FETCH.
func (s *session) cmdFetch(c *command) status {
	if len(c.args) < 2 || c.args[0].kind != argAtom {
		return respBAD("FETCH needs a sequence set and data items")
	}
	set, err := parseSeqSet(c.args[0].s)
	if err != nil {
		return respBAD("%v", err)
	}
	items, err := parseFetchItems(c.args[1:])
	if err != nil {
		return respBAD("%v", err)
	}
	if c.uid && !hasFetchKind(items, fetchUID) {
		items = append([]fetchItem{{kind: fetchUID, name: "UID"}}, items...)
	}
	setsSeen := false
	for _, it := range items {
		setsSeen = setsSeen || it.kind == fetchSection && !it.peek
	}
	msgs, st, failed := s.messages(set, c.uid)
	if failed {
		return st
	}
	seenSet := false
	for _, m := range msgs {
		flagsChanged := false
		if setsSeen && !s.sel.readOnly && !hasFlag(m.Flags, flagSeen) {
			flags, err := s.srv.store.SetFlags(s.ctx, s.user, s.sel.name, m.UID, FlagsAdd, []string{flagSeen})
			if err == nil {
				m.Flags = flags
				s.sel.flags[m.UID] = strings.Join(flags, " ")
				flagsChanged = true
				seenSet = true
			}
		}
		out := items
		if flagsChanged && !hasFetchKind(items, fetchFlags) {
			out = append(items[:len(items):len(items)], fetchItem{kind: fetchFlags, name: "FLAGS"})
		}
		var b bytes.Buffer
		writeFetchResponse(&b, m, out)
		b.WriteString("\r\n")
		s.bw.Write(b.Bytes())
	}
	if seenSet {
		s.srv.hub.changed(s.user, s.sel.name)
	}
	return respOK("", c.name+" completed")
}

func hasFetchKind(items []fetchItem, k fetchKind) bool {
	for _, it := range items {
		if it.kind == k {
			return true
		}
	}
	return false
}

// writeFetchResponse writes "* seq FETCH (...)" without the line ending.
func writeFetchResponse(b *bytes.Buffer, m seqMessage, items []fetchItem) {
	var parsed *part
	parse := func() *part {
		if parsed == nil {
			parsed = parseMessage(m.Body)
		}
		return parsed
	}
	b.WriteString("* ")
	b.WriteString(strconv.FormatUint(uint64(m.seq), 10))
	b.WriteString(" FETCH (")
	for i, it := range items {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(it.name)
		b.WriteByte(' ')
		switch it.kind {
		case fetchFlags:
			writeFlags(b, m.flags())
		case fetchUID:
			b.WriteString(strconv.FormatUint(uint64(m.UID), 10))
		case fetchInternalDate:
			writeString(b, m.InternalDate.Format(internalDateLayout))
		case fetchSize:
			b.WriteString(strconv.Itoa(len(m.Body)))
		case fetchEnvelope:
			writeEnvelope(b, parse())
		case fetchBody:
			writeBodyStructure(b, parse(), false)
		case fetchBodyStructure:
			writeBodyStructure(b, parse(), true)
		case fetchSection:
			var data []byte
			found := true
			if len(it.section.path) == 0 && it.section.spec == "" {
				data = m.Body // no need to parse for the whole message
			} else {
				data, found = sectionData(m.Body, parse(), it.section)
			}
			if !found {
				b.WriteString("NIL")
				continue
			}
			if it.partial {
				data = partialData(data, it.start, it.length)
			}
			writeLiteral(b, data)
		}
	}
	b.WriteByte(')')
}

// partialData is the <start.length> slice of data.
func partialData(data []byte, start, length uint32) []byte {
	if uint64(start) >= uint64(len(data)) {
		return nil
	}
	data = data[start:]
	if uint64(length) < uint64(len(data)) {
		data = data[:length]
	}
	return data
}
