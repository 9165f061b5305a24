package ftpd

import (
	"bytes"
	"io"
)

// toCRLF writes to w with every LF not already preceded by CR sent as CRLF:
// TYPE A downloads of files stored with LF line ends.
type toCRLF struct {
	w      io.Writer
	lastCR bool // the previous byte written was CR
	buf    []byte
}

func (t *toCRLF) Write(p []byte) (int, error) {
	t.buf = t.buf[:0]
	for _, c := range p {
		if c == '\n' && !t.lastCR {
			t.buf = append(t.buf, '\r')
		}
		t.buf = append(t.buf, c)
		t.lastCR = c == '\r'
	}
	if _, err := t.w.Write(t.buf); err != nil {
		return 0, err
	}
	return len(p), nil
}

// fromCRLF writes to w with every CRLF turned into LF: TYPE A uploads. A CR
// not followed by LF is kept; Flush writes a CR held at the end.
type fromCRLF struct {
	w         io.Writer
	pendingCR bool // a CR ended the previous Write
	buf       []byte
}

func (f *fromCRLF) Write(p []byte) (int, error) {
	f.buf = f.buf[:0]
	if f.pendingCR && len(p) > 0 {
		if p[0] != '\n' {
			f.buf = append(f.buf, '\r')
		}
		f.pendingCR = false
	}
	rest := p
	for len(rest) > 0 {
		i := bytes.IndexByte(rest, '\r')
		if i < 0 {
			f.buf = append(f.buf, rest...)
			break
		}
		f.buf = append(f.buf, rest[:i]...)
		switch {
		case i+1 == len(rest):
			f.pendingCR = true
		case rest[i+1] != '\n':
			f.buf = append(f.buf, '\r')
		}
		rest = rest[i+1:]
	}
	if _, err := f.w.Write(f.buf); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes a CR that ended the data.
func (f *fromCRLF) Flush() error {
	if !f.pendingCR {
		return nil
	}
	f.pendingCR = false
	_, err := f.w.Write([]byte{'\r'})
	return err
}
