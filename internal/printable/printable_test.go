package printable

import "testing"

func TestString(t *testing.T) {
	tests := []struct {
		in      string
		oneLine bool
		want    string
	}{
		{"plain text", true, "plain text"},
		{"tab\there", true, "tab\there"},
		{"a\nb", false, "a\nb"},
		{"a\nb", true, `a\nb`},
		{"\x05\x01\x00", true, `\x05\x01\x00`},
		{"\x1b[2Jboom", false, `\x1b[2Jboom`},
		{"cr\r", false, `cr\r`},
		{"del\x7f", true, `del\x7f`},
		{"bad \xff utf8", true, `bad \xff utf8`},
		{"zero\u200bwidth", true, `zero\u200bwidth`},
		{"ümlaut ✔", true, "ümlaut ✔"},
	}
	for _, tt := range tests {
		if got := String(tt.in, tt.oneLine); got != tt.want {
			t.Errorf("String(%q, %v) = %q, want %q", tt.in, tt.oneLine, got, tt.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		in    string
		width int
		want  string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"much longer than ten", 10, "much long…"},
		{"✔✔✔✔", 3, "✔✔…"},
		{"abc", 1, "…"},
		{"abc", 0, ""},
	}
	for _, tt := range tests {
		if got := Truncate(tt.in, tt.width); got != tt.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
		}
	}
}
