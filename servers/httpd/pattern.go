package httpd

import (
	"errors"
	"io"
	"net/http"
	"strconv"
)

// patternPeriod is the period of the byte pattern: byte i is i % patternPeriod.
const patternPeriod = 251

// MaxBytes is the largest n /bytes/{n} serves (1 TiB); nothing of that size
// is ever held in memory.
const MaxBytes = 1 << 40

// Pattern fills p with the byte pattern starting at offset off: p[j] is
// (off+j) % 251.
func Pattern(p []byte, off int64) {
	start := int(off % patternPeriod)
	n := min(len(p), patternPeriod)
	for j := range n {
		p[j] = byte((start + j) % patternPeriod)
	}
	// The pattern repeats every 251 bytes, so double the filled prefix,
	// which stays a whole number of periods long.
	for filled := n; filled < len(p); filled *= 2 {
		copy(p[filled:], p[:filled])
	}
}

// patternReader reads size bytes of the pattern; it seeks, for ServeContent.
type patternReader struct {
	size, off int64
}

func (r *patternReader) Read(p []byte) (int, error) {
	if r.off >= r.size {
		return 0, io.EOF
	}
	if rest := r.size - r.off; int64(len(p)) > rest {
		p = p[:rest]
	}
	Pattern(p, r.off)
	r.off += int64(len(p))
	return len(p), nil
}

func (r *patternReader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += r.off
	case io.SeekEnd:
		offset += r.size
	default:
		return 0, errors.New("seek: bad whence")
	}
	if offset < 0 {
		return 0, errors.New("seek: negative position")
	}
	r.off = offset
	return offset, nil
}

func handleBytes(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.ParseInt(r.PathValue("n"), 10, 64)
	if err != nil || n < 0 || n > MaxBytes {
		http.Error(w, "bytes: n must be an integer from 0 to "+strconv.FormatInt(MaxBytes, 10), http.StatusBadRequest)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("ETag", `"bytes-`+strconv.FormatInt(n, 10)+`"`)
	http.ServeContent(w, r, "", filesModTime, &patternReader{size: n})
}
