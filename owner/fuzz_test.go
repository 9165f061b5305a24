package owner

import (
	"strings"
	"testing"
)

// FuzzParse reads owner labels as the engine hands them back (anyone with
// the engine can set any label): Parse must not panic, must refuse what
// String cannot have made, and must read back what String writes.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"ci-runner-7/4242/123456789", "host.example.test/1/0", "a/b/c/12/34", "h/-1/5", "h/0/5",
		"h/+3/4", "h/1/18446744073709551616", "/1/2", "h//2", "h/1/", "bench", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		o, err := Parse(s)
		if err != nil {
			return
		}
		if o.PID <= 0 {
			t.Errorf("Parse(%q) = pid %d, want a positive pid or an error", s, o.PID)
		}
		back, err := Parse(o.String())
		if err != nil || back != o {
			t.Errorf("Parse(Parse(%q).String() = %q) = %+v, %v; want %+v", s, o.String(), back, err, o)
		}
		if !strings.HasPrefix(s, o.Host+"/") {
			t.Errorf("Parse(%q) host = %q, not the label's prefix", s, o.Host)
		}
	})
}
