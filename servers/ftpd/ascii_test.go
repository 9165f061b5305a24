package ftpd

import (
	"bytes"
	"testing"
)

func TestToCRLF(t *testing.T) {
	for _, tc := range []struct {
		chunks []string
		want   string
	}{
		{[]string{"a\nb\n"}, "a\r\nb\r\n"},
		{[]string{"a\r\nb"}, "a\r\nb"},
		{[]string{"a\r", "\nb"}, "a\r\nb"},
		{[]string{"a", "\n", "\n"}, "a\r\n\r\n"},
		{[]string{"\n"}, "\r\n"},
		{[]string{"no newline"}, "no newline"},
	} {
		var out bytes.Buffer
		w := &toCRLF{w: &out}
		for _, c := range tc.chunks {
			if n, err := w.Write([]byte(c)); n != len(c) || err != nil {
				t.Fatalf("Write(%q) = %d, %v", c, n, err)
			}
		}
		if out.String() != tc.want {
			t.Errorf("toCRLF(%q) = %q, want %q", tc.chunks, out.String(), tc.want)
		}
	}
}

func TestFromCRLF(t *testing.T) {
	for _, tc := range []struct {
		chunks []string
		want   string
	}{
		{[]string{"a\r\nb\r\n"}, "a\nb\n"},
		{[]string{"a\r", "\nb"}, "a\nb"},
		{[]string{"a\r", "", "\nb"}, "a\nb"},
		{[]string{"a\r", "b"}, "a\rb"},
		{[]string{"a\r\r\n"}, "a\r\n"},
		{[]string{"lf only\n"}, "lf only\n"},
		{[]string{"ends in cr\r"}, "ends in cr\r"},
		{[]string{"\r", "\r", "\n"}, "\r\n"},
	} {
		var out bytes.Buffer
		w := &fromCRLF{w: &out}
		for _, c := range tc.chunks {
			if n, err := w.Write([]byte(c)); n != len(c) || err != nil {
				t.Fatalf("Write(%q) = %d, %v", c, n, err)
			}
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if out.String() != tc.want {
			t.Errorf("fromCRLF(%q) = %q, want %q", tc.chunks, out.String(), tc.want)
		}
	}
}
