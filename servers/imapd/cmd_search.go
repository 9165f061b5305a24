package imapd

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"net/mail"
	"strconv"
	"strings"
	"time"
)

// searchMsg is a message as search keys look at it.
type searchMsg struct {
	seqMessage
	count      uint32 // messages in the selection, for '*'
	largestUID uint32
	parsed     *part
}

func (m *searchMsg) part() *part {
	if m.parsed == nil {
		m.parsed = parseMessage(m.Body)
	}
	return m.parsed
}

// matcher is a parsed search key.
type matcher func(m *searchMsg) bool

const maxSearchDepth = 64

var errSearch = errors.New("invalid search")

// cmdSearch runs SEARCH and UID SEARCH.
func (s *session) cmdSearch(c *command) status {
	args := c.args
	if len(args) >= 2 && args[0].kind == argAtom && strings.EqualFold(args[0].s, "CHARSET") {
		if !args[1].isString() {
			return respBAD("invalid CHARSET")
		}
		switch strings.ToUpper(args[1].s) {
		case "US-ASCII", "UTF-8":
		default:
			return respNO("BADCHARSET (US-ASCII UTF-8)", "Unsupported charset")
		}
		args = args[2:]
	}
	match, err := parseSearch(args)
	if err != nil {
		return respBAD("%v", err)
	}
	all, err := parseSeqSet("1:*")
	if err != nil {
		return respBAD("%v", err)
	}
	msgs, st, failed := s.messages(all, false)
	if failed {
		return st
	}
	var largestUID uint32
	if n := len(s.sel.uids); n > 0 {
		largestUID = s.sel.uids[n-1]
	}
	var b bytes.Buffer
	b.WriteString("SEARCH")
	for _, m := range msgs {
		sm := &searchMsg{seqMessage: m, count: uint32(len(s.sel.uids)), largestUID: largestUID}
		if !match(sm) {
			continue
		}
		n := m.seq
		if c.uid {
			n = m.UID
		}
		b.WriteByte(' ')
		b.WriteString(strconv.FormatUint(uint64(n), 10))
	}
	s.untagged(b.String())
	return respOK("", c.name+" completed")
}

// parseSearch parses search keys, all of which must match.
func parseSearch(args []arg) (matcher, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("%w: no search keys", errSearch)
	}
	return parseSearchAnd(args, 0)
}

func parseSearchAnd(args []arg, depth int) (matcher, error) {
	var keys []matcher
	for i := 0; i < len(args); {
		k, err := parseSearchKey(args, &i, depth)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return func(m *searchMsg) bool {
		for _, k := range keys {
			if !k(m) {
				return false
			}
		}
		return true
	}, nil
}

// parseSearchKey parses the key at args[*i] and advances *i past it.
func parseSearchKey(args []arg, i *int, depth int) (matcher, error) {
	if depth > maxSearchDepth {
		return nil, fmt.Errorf("%w: keys nested too deeply", errSearch)
	}
	next := func() (arg, error) {
		if *i >= len(args) {
			return arg{}, fmt.Errorf("%w: missing argument", errSearch)
		}
		a := args[*i]
		*i++
		return a, nil
	}
	nextString := func() (string, error) {
		a, err := next()
		if err == nil && !a.isString() {
			err = fmt.Errorf("%w: want a string", errSearch)
		}
		return a.s, err
	}
	tok, err := next()
	if err != nil {
		return nil, err
	}
	if tok.kind == argList {
		if len(tok.list) == 0 {
			return nil, fmt.Errorf("%w: empty key list", errSearch)
		}
		return parseSearchAnd(tok.list, depth+1)
	}
	if tok.kind != argAtom {
		return nil, fmt.Errorf("%w: unexpected string", errSearch)
	}
	key := strings.ToUpper(tok.s)
	if f, ok := flagKeys[key]; ok {
		return f, nil
	}
	switch key {
	case "KEYWORD", "UNKEYWORD":
		kw, err := nextString()
		if err != nil {
			return nil, err
		}
		want := key == "KEYWORD"
		return func(m *searchMsg) bool { return hasFlag(m.Flags, kw) == want }, nil
	case "BCC", "CC", "FROM", "SUBJECT", "TO":
		s, err := nextString()
		if err != nil {
			return nil, err
		}
		return headerContains(key, s), nil
	case "HEADER":
		name, err := nextString()
		if err != nil {
			return nil, err
		}
		s, err := nextString()
		if err != nil {
			return nil, err
		}
		return headerContains(name, s), nil
	case "BODY", "TEXT":
		s, err := nextString()
		if err != nil {
			return nil, err
		}
		needle := []byte(strings.ToLower(s))
		if key == "BODY" {
			return func(m *searchMsg) bool { return containsFold(m.part().body, needle) }, nil
		}
		return func(m *searchMsg) bool { return containsFold(m.Body, needle) }, nil
	case "BEFORE", "ON", "SINCE", "SENTBEFORE", "SENTON", "SENTSINCE":
		s, err := nextString()
		if err != nil {
			return nil, err
		}
		d, err := time.Parse("2-Jan-2006", s)
		if err != nil {
			return nil, fmt.Errorf("%w: invalid date %q", errSearch, s)
		}
		return dateKey(key, d), nil
	case "LARGER", "SMALLER":
		s, err := nextString()
		if err != nil {
			return nil, err
		}
		n, err := strconv.ParseUint(s, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("%w: invalid size %q", errSearch, s)
		}
		if key == "LARGER" {
			return func(m *searchMsg) bool { return uint64(len(m.Body)) > n }, nil
		}
		return func(m *searchMsg) bool { return uint64(len(m.Body)) < n }, nil
	case "UID":
		s, err := nextString()
		if err != nil {
			return nil, err
		}
		set, err := parseSeqSet(s)
		if err != nil {
			return nil, err
		}
		return func(m *searchMsg) bool { return set.contains(m.UID, m.largestUID) }, nil
	case "NOT":
		k, err := parseSearchKey(args, i, depth+1)
		if err != nil {
			return nil, err
		}
		return func(m *searchMsg) bool { return !k(m) }, nil
	case "OR":
		a, err := parseSearchKey(args, i, depth+1)
		if err != nil {
			return nil, err
		}
		b, err := parseSearchKey(args, i, depth+1)
		if err != nil {
			return nil, err
		}
		return func(m *searchMsg) bool { return a(m) || b(m) }, nil
	}
	set, err := parseSeqSet(tok.s)
	if err != nil {
		return nil, fmt.Errorf("%w: unknown key %q", errSearch, tok.s)
	}
	return func(m *searchMsg) bool { return set.contains(m.seq, m.count) }, nil
}

// flagKeys are the search keys that test flags alone.
var flagKeys = map[string]matcher{
	"ALL":        func(*searchMsg) bool { return true },
	"ANSWERED":   flagIs(flagAnswered, true),
	"DELETED":    flagIs(flagDeleted, true),
	"DRAFT":      flagIs(flagDraft, true),
	"FLAGGED":    flagIs(flagFlagged, true),
	"SEEN":       flagIs(flagSeen, true),
	"UNANSWERED": flagIs(flagAnswered, false),
	"UNDELETED":  flagIs(flagDeleted, false),
	"UNDRAFT":    flagIs(flagDraft, false),
	"UNFLAGGED":  flagIs(flagFlagged, false),
	"UNSEEN":     flagIs(flagSeen, false),
	"NEW":        func(m *searchMsg) bool { return m.recent && !hasFlag(m.Flags, flagSeen) },
	"RECENT":     func(m *searchMsg) bool { return m.recent },
	"OLD":        func(m *searchMsg) bool { return !m.recent },
}

func flagIs(flag string, want bool) matcher {
	return func(m *searchMsg) bool { return hasFlag(m.Flags, flag) == want }
}

// headerContains matches messages whose field name contains s, decoded
// from RFC 2047 encoded words, ignoring case. An empty s matches any
// message that has the field.
func headerContains(name, s string) matcher {
	needle := strings.ToLower(s)
	dec := new(mime.WordDecoder)
	return func(m *searchMsg) bool {
		for _, f := range m.part().header.fields {
			if !strings.EqualFold(f.name, name) {
				continue
			}
			v := f.value
			if d, err := dec.DecodeHeader(v); err == nil {
				v = d
			}
			if strings.Contains(strings.ToLower(v), needle) {
				return true
			}
		}
		return false
	}
}

// containsFold reports whether lower-case needle is in b, ignoring ASCII case.
func containsFold(b, needle []byte) bool {
	return bytes.Contains(bytes.ToLower(b), needle)
}

// dateKey compares dates, disregarding time and time zone.
func dateKey(key string, d time.Time) matcher {
	want := d.Year()*10000 + int(d.Month())*100 + d.Day()
	return func(m *searchMsg) bool {
		t := m.InternalDate
		if strings.HasPrefix(key, "SENT") {
			v, _ := m.part().header.get("Date")
			sent, err := mail.ParseDate(v)
			if err != nil {
				return false
			}
			t = sent
		}
		got := t.Year()*10000 + int(t.Month())*100 + t.Day()
		switch strings.TrimPrefix(key, "SENT") {
		case "BEFORE":
			return got < want
		case "ON":
			return got == want
		default: // SINCE
			return got >= want
		}
	}
}
