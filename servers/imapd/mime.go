package imapd

import (
	"bytes"
	"errors"
	"mime"
	"sort"
	"strings"
)

// part is one entity of a parsed message: the message itself, a body part,
// or a message encapsulated in a message/rfc822 part.
type part struct {
	header   header
	body     []byte
	typ, sub string  // media type and subtype, lower case
	params   []param // Content-Type parameters, sorted by name
	children []*part // parts of a multipart
	msg      *part   // the message inside a message/rfc822 part
}

type param struct{ name, value string }

// header is the header block of an entity.
type header struct {
	raw    []byte  // as received, up to and including the empty line when there is one
	fields []field // in order
}

// field is one header field.
type field struct {
	name  string // as written
	raw   []byte // the whole field, folded lines and line endings included
	value string // unfolded and trimmed
}

const (
	maxMIMEDepth = 16   // nesting of multiparts and message/rfc822
	maxMIMEParts = 1000 // parts of one multipart
)

// parseMessage parses an RFC 5322 message. It never fails: what it cannot
// make sense of becomes text/plain.
func parseMessage(raw []byte) *part {
	return parseEntity(raw, "text", "plain", 0)
}

func parseEntity(raw []byte, defTyp, defSub string, depth int) *part {
	hdr, body := splitHeader(raw)
	p := &part{header: parseHeader(hdr), body: body, typ: defTyp, sub: defSub}
	ps := map[string]string{}
	if ct, ok := p.header.get("Content-Type"); ok {
		mt, got, err := mime.ParseMediaType(ct)
		if err == nil || errors.Is(err, mime.ErrInvalidMediaParameter) {
			if t, s, ok := strings.Cut(mt, "/"); ok && t != "" && s != "" {
				p.typ, p.sub = t, s
				if got != nil {
					ps = got
				}
			}
		}
	}
	if p.typ == "text" && ps["charset"] == "" {
		ps["charset"] = "us-ascii"
	}
	for k, v := range ps {
		p.params = append(p.params, param{k, v})
	}
	sort.Slice(p.params, func(i, j int) bool { return p.params[i].name < p.params[j].name })

	switch {
	case depth >= maxMIMEDepth:
		if p.typ == "multipart" || p.typ == "message" && p.sub == "rfc822" {
			p.typ, p.sub = "application", "octet-stream"
		}
	case p.typ == "multipart":
		childTyp, childSub := "text", "plain"
		if p.sub == "digest" {
			childTyp, childSub = "message", "rfc822"
		}
		for _, c := range splitMultipart(body, ps["boundary"]) {
			p.children = append(p.children, parseEntity(c, childTyp, childSub, depth+1))
		}
		if len(p.children) == 0 { // no usable boundary: not a multipart after all
			p.typ, p.sub = "text", "plain"
			p.params = []param{{"charset", "us-ascii"}}
		}
	case p.typ == "message" && p.sub == "rfc822":
		p.msg = parseEntity(body, "text", "plain", depth+1)
	}
	return p
}

// splitHeader cuts raw at the first empty line.
func splitHeader(raw []byte) (hdr, body []byte) {
	for i := 0; i < len(raw); {
		j := bytes.IndexByte(raw[i:], '\n')
		if j < 0 {
			return raw, nil
		}
		line := bytes.TrimSuffix(raw[i:i+j], []byte("\r"))
		if len(line) == 0 {
			return raw[:i+j+1], raw[i+j+1:]
		}
		i += j + 1
	}
	return raw, nil
}

func parseHeader(raw []byte) header {
	h := header{raw: raw}
	var value []string // the unfolded pieces of the last field's value
	flush := func() {
		if len(h.fields) > 0 && len(value) > 0 {
			h.fields[len(h.fields)-1].value = strings.TrimSpace(strings.Join(value, " "))
		}
		value = value[:0]
	}
	for i := 0; i < len(raw); {
		j := bytes.IndexByte(raw[i:], '\n')
		end := len(raw)
		if j >= 0 {
			end = i + j + 1
		}
		line := raw[i:end]
		i = end
		text := strings.TrimRight(string(line), "\r\n")
		if text == "" {
			break
		}
		if (text[0] == ' ' || text[0] == '\t') && len(h.fields) > 0 {
			f := &h.fields[len(h.fields)-1]
			f.raw = append(f.raw, line...)
			if t := strings.TrimSpace(text); t != "" {
				value = append(value, t)
			}
			continue
		}
		name, v, ok := strings.Cut(text, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			continue
		}
		flush()
		h.fields = append(h.fields, field{name: name, raw: append([]byte(nil), line...)})
		value = append(value, strings.TrimSpace(v))
	}
	flush()
	return h
}

// get returns the value of the first field called name.
func (h header) get(name string) (string, bool) {
	for _, f := range h.fields {
		if strings.EqualFold(f.name, name) {
			return f.value, true
		}
	}
	return "", false
}

// bytes is the header block ending with an empty line.
func (h header) bytes() []byte {
	switch {
	case len(h.raw) == 0:
		return []byte("\r\n")
	case bytes.HasSuffix(h.raw, []byte("\n\n")) || bytes.HasSuffix(h.raw, []byte("\n\r\n")) ||
		bytes.Equal(h.raw, []byte("\r\n")) || bytes.Equal(h.raw, []byte("\n")):
		return h.raw
	case bytes.HasSuffix(h.raw, []byte("\n")):
		return append(append([]byte(nil), h.raw...), "\r\n"...)
	default:
		return append(append([]byte(nil), h.raw...), "\r\n\r\n"...)
	}
}

// fields returns the fields named in names (or all others when not), each as
// received, followed by an empty line.
func (h header) selectFields(names []string, not bool) []byte {
	var b []byte
	for _, f := range h.fields {
		in := false
		for _, n := range names {
			if strings.EqualFold(n, f.name) {
				in = true
				break
			}
		}
		if in != not {
			b = append(b, f.raw...)
			if !bytes.HasSuffix(f.raw, []byte("\n")) {
				b = append(b, "\r\n"...)
			}
		}
	}
	return append(b, "\r\n"...)
}

// splitMultipart returns the body parts of a multipart body.
func splitMultipart(body []byte, boundary string) [][]byte {
	if boundary == "" {
		return nil
	}
	delim := []byte("--" + boundary)
	var parts [][]byte
	start := -1 // where the current part's content starts
	for pos := 0; pos <= len(body); {
		next := len(body) + 1
		lineEnd := len(body)
		if j := bytes.IndexByte(body[pos:], '\n'); j >= 0 {
			lineEnd = pos + j
			next = lineEnd + 1
		}
		line := bytes.TrimSuffix(body[pos:lineEnd], []byte("\r"))
		if rest, ok := bytes.CutPrefix(line, delim); ok {
			closing := bytes.HasPrefix(rest, []byte("--"))
			if closing {
				rest = rest[2:]
			}
			if len(bytes.TrimRight(rest, " \t")) == 0 {
				if start >= 0 {
					end := pos
					if end > start && body[end-1] == '\n' {
						end--
					}
					if end > start && body[end-1] == '\r' {
						end--
					}
					parts = append(parts, body[start:end])
					if len(parts) >= maxMIMEParts {
						return parts
					}
				}
				if closing {
					return parts
				}
				start = min(next, len(body))
			}
		}
		pos = next
	}
	if start >= 0 {
		parts = append(parts, body[start:])
	}
	return parts
}

// lines counts the text lines of b.
func lines(b []byte) int {
	n := bytes.Count(b, []byte("\n"))
	if len(b) > 0 && b[len(b)-1] != '\n' {
		n++
	}
	return n
}

// find returns the entity a section's part numbers name, and whether it was
// found. An empty path is the message itself.
func (p *part) find(path []int) (*part, bool) {
	cur, asMessage := p, true
	for _, n := range path {
		switch {
		case len(cur.children) > 0:
			if n < 1 || n > len(cur.children) {
				return nil, false
			}
			cur = cur.children[n-1]
		case asMessage: // the single body of a non-multipart message
			if n != 1 {
				return nil, false
			}
		case cur.msg != nil:
			e := cur.msg
			switch {
			case len(e.children) > 0 && n >= 1 && n <= len(e.children):
				cur = e.children[n-1]
			case len(e.children) == 0 && n == 1:
				cur = e
			default:
				return nil, false
			}
		default:
			return nil, false
		}
		asMessage = false
	}
	return cur, true
}
