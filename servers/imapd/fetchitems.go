package imapd

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// fetchKind is what a FETCH data item asks for.
type fetchKind int

const (
	fetchFlags fetchKind = iota
	fetchUID
	fetchInternalDate
	fetchSize
	fetchEnvelope
	fetchBody          // BODY: the structure without extension data
	fetchBodyStructure // BODYSTRUCTURE
	fetchSection       // BODY[...], BODY.PEEK[...], RFC822, RFC822.HEADER, RFC822.TEXT
)

// fetchItem is one FETCH data item.
type fetchItem struct {
	kind    fetchKind
	name    string // how the response names it, e.g. "BODY[HEADER]<0>"
	section section
	peek    bool // leaves \Seen alone
	partial bool
	start   uint32
	length  uint32
}

// section is a body section: part numbers, then a specifier.
type section struct {
	path   []int
	spec   string   // "", "HEADER", "HEADER.FIELDS", "HEADER.FIELDS.NOT", "TEXT" or "MIME"
	fields []string // of HEADER.FIELDS and HEADER.FIELDS.NOT
}

const maxSectionPath = 32

var errFetchItems = errors.New("invalid fetch items")

// fetchMacros are the FETCH macros of RFC 3501 6.4.5.
var fetchMacros = map[string][]string{
	"ALL":  {"FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"},
	"FAST": {"FLAGS", "INTERNALDATE", "RFC822.SIZE"},
	"FULL": {"FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY"},
}

// parseFetchItems parses the data items of FETCH: a macro, one item or a
// parenthesised list of items.
func parseFetchItems(args []arg) ([]fetchItem, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("%w: want one item or a list", errFetchItems)
	}
	a := args[0]
	var names []string
	switch a.kind {
	case argAtom:
		if m, ok := fetchMacros[strings.ToUpper(a.s)]; ok {
			names = m
		} else {
			names = []string{a.s}
		}
	case argList:
		if len(a.list) == 0 {
			return nil, fmt.Errorf("%w: empty list", errFetchItems)
		}
		for _, e := range a.list {
			if e.kind != argAtom {
				return nil, fmt.Errorf("%w: list holds a non-atom", errFetchItems)
			}
			names = append(names, e.s)
		}
	default:
		return nil, fmt.Errorf("%w: want an atom or a list", errFetchItems)
	}
	items := make([]fetchItem, 0, len(names))
	for _, n := range names {
		it, err := parseFetchAtt(n)
		if err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	return items, nil
}

// parseFetchAtt parses one fetch-att.
func parseFetchAtt(s string) (fetchItem, error) {
	up := strings.ToUpper(s)
	switch up {
	case "FLAGS":
		return fetchItem{kind: fetchFlags, name: up}, nil
	case "UID":
		return fetchItem{kind: fetchUID, name: up}, nil
	case "INTERNALDATE":
		return fetchItem{kind: fetchInternalDate, name: up}, nil
	case "RFC822.SIZE":
		return fetchItem{kind: fetchSize, name: up}, nil
	case "ENVELOPE":
		return fetchItem{kind: fetchEnvelope, name: up}, nil
	case "BODY":
		return fetchItem{kind: fetchBody, name: up}, nil
	case "BODYSTRUCTURE":
		return fetchItem{kind: fetchBodyStructure, name: up}, nil
	case "RFC822":
		return fetchItem{kind: fetchSection, name: up}, nil
	case "RFC822.HEADER":
		return fetchItem{kind: fetchSection, name: up, section: section{spec: "HEADER"}, peek: true}, nil
	case "RFC822.TEXT":
		return fetchItem{kind: fetchSection, name: up, section: section{spec: "TEXT"}}, nil
	}
	it := fetchItem{kind: fetchSection}
	var rest string
	switch {
	case strings.HasPrefix(up, "BODY["):
		rest = s[len("BODY["):]
	case strings.HasPrefix(up, "BODY.PEEK["):
		rest = s[len("BODY.PEEK["):]
		it.peek = true
	default:
		return fetchItem{}, fmt.Errorf("%w: unknown item %q", errFetchItems, s)
	}
	end := sectionEnd(rest)
	if end < 0 {
		return fetchItem{}, fmt.Errorf("%w: missing ']' in %q", errFetchItems, s)
	}
	sec, err := parseSection(rest[:end])
	if err != nil {
		return fetchItem{}, err
	}
	it.section = sec
	it.name = "BODY[" + sec.String() + "]"
	if partial := rest[end+1:]; partial != "" {
		start, length, err := parsePartial(partial)
		if err != nil {
			return fetchItem{}, err
		}
		it.partial, it.start, it.length = true, start, length
		it.name += "<" + strconv.FormatUint(uint64(start), 10) + ">"
	}
	return it, nil
}

// sectionEnd finds the ']' closing a section, skipping quoted strings.
func sectionEnd(s string) int {
	inQuote := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case inQuote && c == '\\':
			i++
		case c == '"':
			inQuote = !inQuote
		case c == ']' && !inQuote:
			return i
		}
	}
	return -1
}

// parseSection parses the text between the brackets of BODY[...].
func parseSection(s string) (section, error) {
	var sec section
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		n, err := strconv.ParseUint(s[i:j], 10, 31)
		if err != nil || n == 0 {
			return section{}, fmt.Errorf("%w: invalid part number %q", errFetchItems, s[i:j])
		}
		if len(sec.path) >= maxSectionPath {
			return section{}, fmt.Errorf("%w: section nested too deeply", errFetchItems)
		}
		sec.path = append(sec.path, int(n))
		i = j
		if i == len(s) {
			return sec, nil
		}
		if s[i] != '.' {
			return section{}, fmt.Errorf("%w: invalid section %q", errFetchItems, s)
		}
		i++
		if i == len(s) {
			return section{}, fmt.Errorf("%w: invalid section %q", errFetchItems, s)
		}
	}
	spec, list, hasList := strings.Cut(s[i:], " ")
	spec = strings.ToUpper(spec)
	switch spec {
	case "":
		if hasList {
			return section{}, fmt.Errorf("%w: invalid section %q", errFetchItems, s)
		}
		return sec, nil
	case "HEADER", "TEXT":
	case "MIME":
		if len(sec.path) == 0 {
			return section{}, fmt.Errorf("%w: MIME needs part numbers", errFetchItems)
		}
	case "HEADER.FIELDS", "HEADER.FIELDS.NOT":
		if !hasList {
			return section{}, fmt.Errorf("%w: %s needs a list of fields", errFetchItems, spec)
		}
		fields, err := parseFieldList(list)
		if err != nil {
			return section{}, err
		}
		sec.fields = fields
		hasList = false
	default:
		return section{}, fmt.Errorf("%w: unknown section %q", errFetchItems, spec)
	}
	if hasList {
		return section{}, fmt.Errorf("%w: unexpected text after %s", errFetchItems, spec)
	}
	sec.spec = spec
	return sec, nil
}

// parseFieldList parses "(From To ...)" of HEADER.FIELDS.
func parseFieldList(s string) ([]string, error) {
	if s == "" || s[0] != '(' {
		return nil, fmt.Errorf("%w: want a list of header fields", errFetchItems)
	}
	p := &parser{b: []byte(s)}
	a, err := p.arg(0)
	if err != nil || !p.eof() || a.kind != argList || len(a.list) == 0 {
		return nil, fmt.Errorf("%w: invalid list of header fields", errFetchItems)
	}
	fields := make([]string, 0, len(a.list))
	for _, e := range a.list {
		if !e.isString() || e.s == "" {
			return nil, fmt.Errorf("%w: invalid header field name", errFetchItems)
		}
		fields = append(fields, e.s)
	}
	return fields, nil
}

// parsePartial parses "<start.length>".
func parsePartial(s string) (start, length uint32, err error) {
	inner, ok := strings.CutPrefix(s, "<")
	if inner, ok2 := strings.CutSuffix(inner, ">"); ok && ok2 {
		a, b, ok := strings.Cut(inner, ".")
		x, err1 := strconv.ParseUint(a, 10, 32)
		y, err2 := strconv.ParseUint(b, 10, 32)
		if ok && err1 == nil && err2 == nil && y > 0 && a[0] != '+' && b[0] != '+' {
			return uint32(x), uint32(y), nil
		}
	}
	return 0, 0, fmt.Errorf("%w: invalid partial %q", errFetchItems, s)
}

// String is the section as a response names it.
func (sec section) String() string {
	var b bytes.Buffer
	for i, n := range sec.path {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(strconv.Itoa(n))
	}
	if sec.spec != "" {
		if len(sec.path) > 0 {
			b.WriteByte('.')
		}
		b.WriteString(sec.spec)
	}
	if len(sec.fields) > 0 {
		b.WriteString(" (")
		for i, f := range sec.fields {
			if i > 0 {
				b.WriteByte(' ')
			}
			writeAString(&b, f)
		}
		b.WriteByte(')')
	}
	return b.String()
}

// sectionData extracts a section of message m (raw) whose parse is p.
// ok is false when the section does not exist.
func sectionData(raw []byte, p *part, sec section) (data []byte, ok bool) {
	if len(sec.path) == 0 && sec.spec == "" {
		return raw, true
	}
	target, found := p.find(sec.path)
	if !found {
		return nil, false
	}
	switch sec.spec {
	case "":
		return target.body, true
	case "MIME":
		return target.header.bytes(), true
	}
	msg := target
	if len(sec.path) > 0 { // HEADER and TEXT of a part: of its encapsulated message
		if target.msg == nil {
			return nil, false
		}
		msg = target.msg
	}
	switch sec.spec {
	case "HEADER":
		return msg.header.bytes(), true
	case "TEXT":
		return msg.body, true
	case "HEADER.FIELDS":
		return msg.header.selectFields(sec.fields, false), true
	case "HEADER.FIELDS.NOT":
		return msg.header.selectFields(sec.fields, true), true
	}
	return nil, false
}
