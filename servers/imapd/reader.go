package imapd

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
)

const (
	maxLine    = 64 << 10 // bytes of one line, literals excluded
	maxCommand = 32 << 20 // bytes of one command, literals included
	maxLines   = 1000     // lines (literals + 1) of one command
)

var errLineTooLong = errors.New("line too long")

// rejectedError is a command refused before it was fully read (a literal
// too large); the session answers it with a tagged BAD and goes on.
type rejectedError struct {
	tag string
	msg string
}

func (e *rejectedError) Error() string { return "rejected command: " + e.msg }

// fatalError ends the session after a BYE with its message.
type fatalError struct{ msg string }

func (e *fatalError) Error() string { return e.msg }

// lineReader reads CRLF-terminated lines and literals from a client,
// bounding every read with a deadline.
type lineReader struct {
	br       *bufio.Reader
	deadline func(time.Time) error // conn.SetReadDeadline
	timeout  time.Duration
}

// readLine reads one line without its line ending (a bare LF is accepted).
func (r *lineReader) readLine() ([]byte, error) {
	var line []byte
	for {
		if err := r.deadline(time.Now().Add(r.timeout)); err != nil {
			return nil, fmt.Errorf("set read deadline: %w", err)
		}
		chunk, err := r.br.ReadSlice('\n')
		if len(line)+len(chunk) > maxLine+2 {
			return nil, errLineTooLong
		}
		line = append(line, chunk...)
		switch {
		case err == nil:
			line = bytes.TrimSuffix(line[:len(line)-1], []byte("\r"))
			return line, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		default:
			return nil, err
		}
	}
}

// readCommand reads a whole command: a line, and while a line ends with a
// literal announcement "{n}" or "{n+}", the literal and the next line. It
// asks for synchronising literals with cont. The result keeps each
// literal as "{n}\r\n" followed by its bytes, which parseCommand expects.
func (r *lineReader) readCommand(cont func() error) ([]byte, error) {
	var cmd []byte
	for range maxLines {
		line, err := r.readLine()
		if err != nil {
			return nil, err
		}
		cmd = append(cmd, line...)
		n, sync, ok := literalAnnouncement(line)
		if !ok {
			return cmd, nil
		}
		if n > maxLiteral || len(cmd)+n > maxCommand {
			if !sync {
				return nil, &fatalError{msg: "literal too large"}
			}
			return nil, &rejectedError{tag: commandTag(cmd), msg: "literal too large"}
		}
		if sync {
			if err := cont(); err != nil {
				return nil, err
			}
		}
		cmd = append(cmd, '\r', '\n')
		if err := r.deadline(time.Now().Add(r.timeout)); err != nil {
			return nil, fmt.Errorf("set read deadline: %w", err)
		}
		// Grow with the bytes that really arrive, not with the announcement.
		buf := bytes.NewBuffer(cmd)
		if _, err := io.CopyN(buf, r.br, int64(n)); err != nil {
			return nil, fmt.Errorf("read literal: %w", err)
		}
		cmd = buf.Bytes()
	}
	return nil, &fatalError{msg: "too many literals in one command"}
}

// literalAnnouncement reports whether line ends with "{n}" (sync) or "{n+}".
func literalAnnouncement(line []byte) (n int, sync, ok bool) {
	if len(line) < 3 || line[len(line)-1] != '}' {
		return 0, false, false
	}
	open := bytes.LastIndexByte(line, '{')
	if open < 0 {
		return 0, false, false
	}
	digits := line[open+1 : len(line)-1]
	sync = true
	if d, plus := bytes.CutSuffix(digits, []byte("+")); plus {
		digits, sync = d, false
	}
	if len(digits) == 0 || len(digits) > 10 {
		return 0, false, false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return 0, false, false
		}
	}
	v, err := strconv.ParseUint(string(digits), 10, 63)
	if err != nil {
		return 0, false, false
	}
	if v > maxLiteral {
		return maxLiteral + 1, sync, true
	}
	return int(v), sync, true
}

// commandTag returns the tag at the start of a command line, or "*".
func commandTag(line []byte) string {
	p := &parser{b: line}
	if t := p.tagToken(); t != "" && p.sp() {
		return t
	}
	return "*"
}
