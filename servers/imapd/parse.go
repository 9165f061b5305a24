package imapd

import (
	"fmt"
	"strings"
)

// argKind says what kind of token an argument was on the wire.
type argKind int

const (
	argAtom    argKind = iota // atoms, numbers, NIL, flags, sequence sets, fetch attributes
	argQuoted                 // "quoted string"
	argLiteral                // {n} literal
	argList                   // parenthesised list
)

// arg is one argument of a command.
type arg struct {
	kind argKind
	s    string // atom or string value
	list []arg  // elements of a list
}

// isString reports whether a is an astring (atom, quoted or literal).
func (a arg) isString() bool { return a.kind != argList }

// command is one parsed client command.
type command struct {
	tag  string
	name string // upper case, without the UID prefix
	uid  bool   // the command was prefixed with UID
	args []arg
}

// parseError is a malformed command; tag is set when it could be read, so
// the server can answer with a tagged BAD.
type parseError struct {
	tag string
	msg string
}

func (e *parseError) Error() string { return "parse command: " + e.msg }

const (
	maxListDepth = 32      // nesting of parenthesised lists
	maxArgs      = 10000   // arguments of one command, lists included
	maxLiteral   = 1 << 24 // bytes of one literal (16 MiB)
)

// parser reads one command. Literals appear in b as "{n}\r\n" followed by n
// bytes, the way the connection reader assembles them; the final CRLF is not
// part of b.
type parser struct {
	b     []byte
	i     int
	nargs int
	tag   string
}

// parseCommand parses one whole command.
func parseCommand(b []byte) (*command, error) {
	p := &parser{b: b}
	tag := p.tagToken()
	if tag == "" {
		return nil, p.errorf("missing or invalid tag")
	}
	p.tag = tag
	if !p.sp() {
		return nil, p.errorf("missing command")
	}
	name := strings.ToUpper(p.atomChars())
	if name == "" {
		return nil, p.errorf("missing command")
	}
	cmd := &command{tag: tag, name: name}
	if name == "UID" {
		if !p.sp() {
			return nil, p.errorf("missing command after UID")
		}
		cmd.uid = true
		cmd.name = strings.ToUpper(p.atomChars())
		if cmd.name == "" {
			return nil, p.errorf("missing command after UID")
		}
	}
	for !p.eof() {
		if !p.sp() {
			return nil, p.errorf("expected space at offset %d", p.i)
		}
		if p.eof() { // tolerate one trailing space
			break
		}
		a, err := p.arg(0)
		if err != nil {
			return nil, err
		}
		cmd.args = append(cmd.args, a)
	}
	return cmd, nil
}

func (p *parser) errorf(format string, v ...any) error {
	return &parseError{tag: p.tag, msg: fmt.Sprintf(format, v...)}
}

func (p *parser) eof() bool { return p.i >= len(p.b) }

func (p *parser) peek() byte { return p.b[p.i] }

func (p *parser) sp() bool {
	if p.eof() || p.peek() != ' ' {
		return false
	}
	p.i++
	return true
}

// tagToken reads a tag: atom characters other than '+'.
func (p *parser) tagToken() string {
	start := p.i
	for !p.eof() && isAtomChar(p.peek()) && p.peek() != '+' {
		p.i++
	}
	return string(p.b[start:p.i])
}

// atomChars reads plain atom characters (no brackets).
func (p *parser) atomChars() string {
	start := p.i
	for !p.eof() && isAtomChar(p.peek()) {
		p.i++
	}
	return string(p.b[start:p.i])
}

// arg reads one argument.
func (p *parser) arg(depth int) (arg, error) {
	p.nargs++
	if p.nargs > maxArgs {
		return arg{}, p.errorf("too many arguments")
	}
	switch c := p.peek(); c {
	case '(':
		return p.list(depth)
	case '"':
		s, err := p.quoted()
		return arg{kind: argQuoted, s: s}, err
	case '{':
		s, err := p.literal()
		return arg{kind: argLiteral, s: s}, err
	default:
		s, err := p.atom()
		return arg{kind: argAtom, s: s}, err
	}
}

func (p *parser) list(depth int) (arg, error) {
	if depth >= maxListDepth {
		return arg{}, p.errorf("lists nested too deeply")
	}
	p.i++ // '('
	a := arg{kind: argList, list: []arg{}}
	for {
		if p.eof() {
			return arg{}, p.errorf("unterminated list")
		}
		if p.peek() == ')' {
			p.i++
			return a, nil
		}
		if len(a.list) > 0 && !p.sp() {
			return arg{}, p.errorf("expected space or ')' in list at offset %d", p.i)
		}
		if p.eof() {
			return arg{}, p.errorf("unterminated list")
		}
		e, err := p.arg(depth + 1)
		if err != nil {
			return arg{}, err
		}
		a.list = append(a.list, e)
	}
}

func (p *parser) quoted() (string, error) {
	p.i++ // opening quote
	var sb strings.Builder
	for !p.eof() {
		c := p.peek()
		p.i++
		switch c {
		case '"':
			return sb.String(), nil
		case '\\':
			if p.eof() {
				return "", p.errorf("unterminated quoted string")
			}
			e := p.peek()
			if e != '"' && e != '\\' {
				return "", p.errorf("invalid escape in quoted string")
			}
			sb.WriteByte(e)
			p.i++
		case '\r', '\n', 0:
			return "", p.errorf("invalid character in quoted string")
		default:
			sb.WriteByte(c)
		}
	}
	return "", p.errorf("unterminated quoted string")
}

func (p *parser) literal() (string, error) {
	p.i++ // '{'
	n, digits := 0, 0
	for !p.eof() && p.peek() >= '0' && p.peek() <= '9' {
		n = n*10 + int(p.peek()-'0')
		digits++
		p.i++
		if n > maxLiteral {
			return "", p.errorf("literal too large")
		}
	}
	if digits == 0 {
		return "", p.errorf("invalid literal size")
	}
	if !p.eof() && p.peek() == '+' {
		p.i++
	}
	if p.eof() || p.peek() != '}' {
		return "", p.errorf("invalid literal")
	}
	p.i++
	if p.i+2 > len(p.b) || p.b[p.i] != '\r' || p.b[p.i+1] != '\n' {
		return "", p.errorf("literal not followed by CRLF")
	}
	p.i += 2
	if n > len(p.b)-p.i {
		return "", p.errorf("literal shorter than announced")
	}
	s := string(p.b[p.i : p.i+n])
	p.i += n
	return s, nil
}

// atom reads an atom. A '[' inside an atom opens a section that runs to its
// matching ']' and may hold spaces, lists and quoted strings, as in
// BODY[HEADER.FIELDS (From "To")]<0.100>.
func (p *parser) atom() (string, error) {
	start := p.i
	for !p.eof() {
		c := p.peek()
		if c == '[' {
			if err := p.skipSection(); err != nil {
				return "", err
			}
			continue
		}
		if !isLooseAtomChar(c) {
			break
		}
		p.i++
	}
	if p.i == start {
		return "", p.errorf("unexpected character %q at offset %d", p.b[p.i], p.i)
	}
	return string(p.b[start:p.i]), nil
}

func (p *parser) skipSection() error {
	p.i++ // '['
	depth := 0
	for !p.eof() {
		c := p.peek()
		switch {
		case c == '"':
			if _, err := p.quoted(); err != nil {
				return err
			}
			continue
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth < 0 {
				return p.errorf("unbalanced ')' in section")
			}
		case c == ']' && depth == 0:
			p.i++
			return nil
		case c < ' ' || c == 0x7f:
			return p.errorf("invalid character in section")
		}
		p.i++
	}
	return p.errorf("unterminated section")
}

// isAtomChar reports whether c is an ATOM-CHAR of RFC 3501, widened with the
// list wildcards and ']' that mailbox patterns and resp-specials use.
func isAtomChar(c byte) bool {
	switch c {
	case '(', ')', '{', ' ', '"', '\\', '[', ']', '%', '*':
		return false
	}
	return c > ' ' && c < 0x7f
}

// isLooseAtomChar is what an argument atom may hold: atom characters plus
// flags' '\', wildcards, ']' and 8-bit bytes some clients send unquoted.
func isLooseAtomChar(c byte) bool {
	switch c {
	case '(', ')', '{', ' ', '"', '[':
		return false
	}
	return c > ' ' && c != 0x7f
}
