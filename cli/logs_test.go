package cli

import (
	"strings"
	"sync"
	"testing"
)

// Lines come out whole and prefixed however the writes split them, and an
// unfinished last line is ended by flush.
func TestLinePrefixer(t *testing.T) {
	var out strings.Builder
	var mu sync.Mutex
	l := &linePrefixer{mu: &mu, w: &out, prefix: "ftp  | "}
	for _, chunk := range []string{"one\ntw", "o\n", "", "thr", "ee"} {
		if n, err := l.Write([]byte(chunk)); n != len(chunk) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", chunk, n, err)
		}
	}
	if got, want := out.String(), "ftp  | one\nftp  | two\n"; got != want {
		t.Errorf("before flush = %q, want %q", got, want)
	}
	l.flush()
	if got, want := out.String(), "ftp  | one\nftp  | two\nftp  | three\n"; got != want {
		t.Errorf("after flush = %q, want %q", got, want)
	}
}
