package local

import (
	"fmt"
	"testing"
)

func TestRing(t *testing.T) {
	tests := []struct {
		name   string
		size   int
		writes []string
		n      int
		want   string
	}{
		{"empty", 3, nil, 0, ""},
		{"lines", 3, []string{"a\nb\n"}, 0, "a\nb\n"},
		{"split writes", 3, []string{"a", "b\nc", "\n"}, 0, "ab\nc\n"},
		{"wraps", 3, []string{"1\n2\n3\n4\n5\n"}, 0, "3\n4\n5\n"},
		{"tail", 3, []string{"1\n2\n3\n4\n5\n"}, 2, "4\n5\n"},
		{"tail more than kept", 3, []string{"1\n2\n"}, 10, "1\n2\n"},
		{"partial last", 3, []string{"1\n2"}, 0, "1\n2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRing(tt.size)
			for _, w := range tt.writes {
				if n, err := r.Write([]byte(w)); n != len(w) || err != nil {
					t.Fatalf("Write(%q) = %d, %v", w, n, err)
				}
			}
			if got := r.Tail(tt.n); got != tt.want {
				t.Errorf("Tail(%d) = %q, want %q", tt.n, got, tt.want)
			}
		})
	}
}

func BenchmarkRingWrite(b *testing.B) {
	r := newRing(DefaultLogLines)
	line := []byte(fmt.Sprintf("time=now level=INFO msg=request server=http path=/%0100d\n", 0))
	for b.Loop() {
		r.Write(line)
	}
}
