package ftpd

import (
	"errors"
	"strings"
)

// maxLine is the longest control line accepted, end of line included.
const maxLine = 4096

// command is one parsed control line.
type command struct {
	verb string // upper case, "RETR"
	arg  string // everything after the first space, as sent
}

// Errors of parseCommand; each makes the session answer 500.
var (
	errEmptyCommand = errors.New("empty command line")
	errBadVerb      = errors.New("command verb must be 1-8 ASCII letters")
	errBadCharacter = errors.New("command line holds a NUL or a carriage return")
)

// Telnet bytes that may precede a command (RFC 854); clients send IAC IP
// IAC DM before ABOR.
const (
	telnetIAC  = 0xff
	telnetWILL = 0xfb
	telnetDONT = 0xfe
	telnetSE   = 0xf0
)

// parseCommand parses one control line (with or without its CRLF): telnet
// commands are dropped (IAC IAC stands for a 0xff byte), the verb is the
// text before the first space, upper-cased, and the argument is the rest
// after that space, kept exactly.
func parseCommand(line []byte) (command, error) {
	line = stripTelnet(line)
	s := string(line)
	s = strings.TrimSuffix(s, "\n")
	s = strings.TrimSuffix(s, "\r")
	if strings.ContainsAny(s, "\x00\r\n") {
		return command{}, errBadCharacter
	}
	if strings.TrimSpace(s) == "" {
		return command{}, errEmptyCommand
	}
	verb, arg, _ := strings.Cut(s, " ")
	if len(verb) == 0 || len(verb) > 8 {
		return command{}, errBadVerb
	}
	for i := 0; i < len(verb); i++ {
		c := verb[i]
		if (c < 'A' || c > 'Z') && (c < 'a' || c > 'z') {
			return command{}, errBadVerb
		}
	}
	return command{verb: strings.ToUpper(verb), arg: arg}, nil
}

// stripTelnet removes telnet command sequences from line. It returns line
// itself when there is none.
func stripTelnet(line []byte) []byte {
	i := 0
	for i < len(line) && line[i] != telnetIAC {
		i++
	}
	if i == len(line) {
		return line
	}
	out := append([]byte(nil), line[:i]...)
	for i < len(line) {
		c := line[i]
		if c != telnetIAC {
			out = append(out, c)
			i++
			continue
		}
		if i+1 == len(line) {
			break // a lone IAC at the end
		}
		switch next := line[i+1]; {
		case next == telnetIAC:
			out = append(out, telnetIAC)
			i += 2
		case next >= telnetWILL && next <= telnetDONT:
			i += 3 // option negotiation: IAC WILL/WONT/DO/DONT option
		case next >= telnetSE:
			i += 2 // IAC IP, IAC DM and the other two-byte commands
		default:
			i++ // IAC before a plain byte (the DM went out of band): drop the IAC
		}
	}
	return out
}
