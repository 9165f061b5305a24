package endpoints

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// envNameRE is what every variable Env makes must be named like.
var envNameRE = regexp.MustCompile(`^TESTBED_[A-Z0-9_]+$`)

// FuzzRead reads a state directory's endpoints.json, which anything may
// have written: Read must not panic, and a manifest it accepts must give
// well-formed variables whose shell-quoted values read back unchanged.
func FuzzRead(f *testing.F) {
	for _, s := range []string{
		`{"project": "p", "driver": "docker", "domain": "testbed.test", "ca_file": "/s/ca.pem",
		  "servers": {"my-web": {"hostname": "my-web.testbed.test", "kind": "http", "addresses": ["172.18.0.2"],
		  "ports": {"80/tcp": "127.0.0.1:49153", "7/udp": "127.0.0.1:49154"}}}}`,
		`{"project": "p", "servers": {"a=b\nc": {"hostname": "x'; rm -rf / #", "ports": {"1/udp/x": "$(id)", "": "` + "`id`" + `"}}}}`,
		`{"servers": {"s": null}}`,
		`{"servers": {"s": {"ports": null}}}`,
		`{"project": 1}`,
		`[]`, `null`, `{`, ``,
	} {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, FileName), data, 0o600); err != nil {
			t.Fatal(err)
		}
		m, err := Read(dir)
		if err != nil {
			return
		}
		for name, s := range m.Servers {
			if s == nil {
				continue
			}
			for port := range s.Ports {
				m.Addr(name, port)
			}
		}
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("Env() of a manifest Read accepted panicked: %v", r)
			}
		}()
		for _, kv := range m.Env() {
			name, value, ok := strings.Cut(kv, "=")
			if !ok || !envNameRE.MatchString(name) {
				t.Errorf("Env() made %q: want TESTBED_[A-Z0-9_]+=value", kv)
			}
			if got, ok := shellUnquote(ShellQuote(value)); !ok || got != value {
				t.Errorf("ShellQuote(%q) = %s, which a shell reads as %q", value, ShellQuote(value), got)
			}
		}
	})
}

// shellUnquote reads a word made of single-quoted parts and \' as a POSIX
// shell would; ok is false for anything else.
func shellUnquote(s string) (string, bool) {
	var b strings.Builder
	for len(s) > 0 {
		switch {
		case strings.HasPrefix(s, `\'`):
			b.WriteByte('\'')
			s = s[2:]
		case s[0] == '\'':
			end := strings.IndexByte(s[1:], '\'')
			if end < 0 {
				return "", false
			}
			b.WriteString(s[1 : 1+end])
			s = s[2+end:]
		default:
			return "", false
		}
	}
	return b.String(), true
}
