package imapd

import (
	"bytes"
	"mime"
	"net/mail"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// writeEnvelope writes the ENVELOPE of message entity p (RFC 3501 7.4.2).
func writeEnvelope(b *bytes.Buffer, p *part) {
	h := p.header
	get := func(name string) string { v, _ := h.get(name); return v }
	from := parseAddresses(get("From"))
	sender := parseAddresses(get("Sender"))
	if len(sender) == 0 {
		sender = from
	}
	replyTo := parseAddresses(get("Reply-To"))
	if len(replyTo) == 0 {
		replyTo = from
	}
	b.WriteByte('(')
	writeNString(b, get("Date"))
	b.WriteByte(' ')
	writeNString(b, get("Subject"))
	for _, list := range [][]*mail.Address{from, sender, replyTo,
		parseAddresses(get("To")), parseAddresses(get("Cc")), parseAddresses(get("Bcc"))} {
		b.WriteByte(' ')
		writeAddresses(b, list)
	}
	b.WriteByte(' ')
	writeNString(b, get("In-Reply-To"))
	b.WriteByte(' ')
	writeNString(b, get("Message-ID"))
	b.WriteByte(')')
}

// parseAddresses parses an address list, nil when empty or unparseable.
func parseAddresses(s string) []*mail.Address {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	list, err := mail.ParseAddressList(s)
	if err != nil {
		return nil
	}
	return list
}

func writeAddresses(b *bytes.Buffer, list []*mail.Address) {
	if len(list) == 0 {
		b.WriteString("NIL")
		return
	}
	b.WriteByte('(')
	for _, a := range list {
		name := a.Name
		if !isASCII(name) && utf8.ValidString(name) {
			name = mime.QEncoding.Encode("utf-8", name)
		}
		mbox, host := a.Address, ""
		if i := strings.LastIndexByte(mbox, '@'); i >= 0 {
			mbox, host = mbox[:i], mbox[i+1:]
		}
		b.WriteByte('(')
		writeNString(b, name)
		b.WriteString(" NIL ")
		writeNString(b, mbox)
		b.WriteByte(' ')
		writeNString(b, host)
		b.WriteByte(')')
	}
	b.WriteByte(')')
}

// writeBodyStructure writes BODY (ext false) or BODYSTRUCTURE (ext true)
// of entity p (RFC 3501 7.4.2).
func writeBodyStructure(b *bytes.Buffer, p *part, ext bool) {
	b.WriteByte('(')
	defer b.WriteByte(')')
	if len(p.children) > 0 {
		for _, c := range p.children {
			writeBodyStructure(b, c, ext)
		}
		b.WriteByte(' ')
		writeString(b, strings.ToUpper(p.sub))
		if ext {
			b.WriteByte(' ')
			writeParams(b, p.params)
			b.WriteByte(' ')
			writeDisposition(b, p)
			b.WriteString(" NIL NIL") // language, location
		}
		return
	}
	writeString(b, strings.ToUpper(p.typ))
	b.WriteByte(' ')
	writeString(b, strings.ToUpper(p.sub))
	b.WriteByte(' ')
	writeParams(b, p.params)
	id, _ := p.header.get("Content-ID")
	desc, _ := p.header.get("Content-Description")
	enc, _ := p.header.get("Content-Transfer-Encoding")
	if enc = strings.ToUpper(strings.TrimSpace(enc)); enc == "" {
		enc = "7BIT"
	}
	b.WriteByte(' ')
	writeNString(b, id)
	b.WriteByte(' ')
	writeNString(b, desc)
	b.WriteByte(' ')
	writeString(b, enc)
	b.WriteByte(' ')
	b.WriteString(strconv.Itoa(len(p.body)))
	switch {
	case p.msg != nil:
		b.WriteByte(' ')
		writeEnvelope(b, p.msg)
		b.WriteByte(' ')
		writeBodyStructure(b, p.msg, ext)
		b.WriteByte(' ')
		b.WriteString(strconv.Itoa(lines(p.body)))
	case p.typ == "text":
		b.WriteByte(' ')
		b.WriteString(strconv.Itoa(lines(p.body)))
	}
	if ext {
		b.WriteString(" NIL ") // MD5
		writeDisposition(b, p)
		b.WriteString(" NIL NIL") // language, location
	}
}

func writeParams(b *bytes.Buffer, params []param) {
	if len(params) == 0 {
		b.WriteString("NIL")
		return
	}
	b.WriteByte('(')
	for i, p := range params {
		if i > 0 {
			b.WriteByte(' ')
		}
		writeString(b, strings.ToUpper(p.name))
		b.WriteByte(' ')
		writeString(b, p.value)
	}
	b.WriteByte(')')
}

func writeDisposition(b *bytes.Buffer, p *part) {
	v, ok := p.header.get("Content-Disposition")
	if !ok {
		b.WriteString("NIL")
		return
	}
	disp, ps, err := mime.ParseMediaType(v)
	if err != nil || disp == "" {
		b.WriteString("NIL")
		return
	}
	params := make([]param, 0, len(ps))
	for k, v := range ps {
		params = append(params, param{k, v})
	}
	sort.Slice(params, func(i, j int) bool { return params[i].name < params[j].name })
	b.WriteByte('(')
	writeString(b, strings.ToUpper(disp))
	b.WriteByte(' ')
	writeParams(b, params)
	b.WriteByte(')')
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
