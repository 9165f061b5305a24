package local

import (
	"bytes"
	"strings"
	"sync"
)

// ring keeps the last lines written to it. It is an io.Writer safe for
// concurrent use; a line is what ends in '\n' (a last partial line is kept
// apart until its end arrives).
type ring struct {
	mu      sync.Mutex
	lines   []string
	next    int  // where the next line goes once full
	full    bool // lines has wrapped
	partial []byte
}

func newRing(n int) *ring { return &ring{lines: make([]string, 0, n)} }

// Write implements io.Writer.
func (r *ring) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	data := p
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			r.partial = append(r.partial, data...)
			break
		}
		line := string(r.partial) + string(data[:i])
		r.partial = r.partial[:0]
		r.add(line)
		data = data[i+1:]
	}
	return len(p), nil
}

func (r *ring) add(line string) {
	if !r.full && len(r.lines) < cap(r.lines) {
		r.lines = append(r.lines, line)
		return
	}
	r.full = true
	r.lines[r.next] = line
	r.next = (r.next + 1) % len(r.lines)
}

// Tail returns the last n lines (n <= 0: every line kept), each ending in
// '\n'.
func (r *ring) Tail(n int) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	ordered := r.lines
	if r.full {
		ordered = append(append([]string{}, r.lines[r.next:]...), r.lines[:r.next]...)
	}
	if n > 0 && n < len(ordered) {
		ordered = ordered[len(ordered)-n:]
	}
	if len(ordered) == 0 && len(r.partial) == 0 {
		return ""
	}
	var b strings.Builder
	for _, l := range ordered {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	if len(r.partial) > 0 {
		b.Write(r.partial)
	}
	return b.String()
}
