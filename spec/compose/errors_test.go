package compose

import (
	"strings"
	"testing"
)

// compose-go quotes values from the file raw in its messages; foreignMsg
// escapes control characters and cuts long messages short.
func TestForeignMsg(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"invalid proto: tcp", "invalid proto: tcp"},
		{"env file x\ntouch y not found", `env file x\ntouch y not found`},
		{"open a\x00b: invalid argument", `open a\x00b: invalid argument`},
		{"bell \a esc \x1b[2J rtl \u202e", `bell \a esc \x1b[2J rtl \u202e`},
		{"wеb", "wеb"},
	} {
		if got := foreignMsg(tt.in); got != tt.want {
			t.Errorf("foreignMsg(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	long := "invalid containerPort: " + strings.Repeat("a", 10000)
	got := foreignMsg(long)
	if len(got) > maxForeignMsg+32 || !strings.HasSuffix(got, "...(10023 bytes)") {
		t.Errorf("foreignMsg(10023 bytes) = %d bytes ending %q, want it cut at %d", len(got), got[len(got)-20:], maxForeignMsg)
	}
}
