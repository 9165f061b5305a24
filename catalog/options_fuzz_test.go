package catalog

import (
	"strings"
	"testing"
)

// FuzzOptions resolves spec options for every kind and parses the ones a
// kind reads as more than a string (the FTP server's ports, flags and
// client networks): nothing may panic, unknown names are refused, and
// what is accepted is in range.
func FuzzOptions(f *testing.F) {
	for _, s := range [][2]string{
		{"pasv-ports", "30000-30009"}, {"pasv-ports", "1,2,65535"}, {"pasv-ports", "0-70000"}, {"pasv-ports", "5-1"},
		{"pasv-ports", "1-65535"}, {"public-clients", "172.17.0.0/16, 10.0.0.1, ::1"}, {"public-clients", "x/33"},
		{"anonymous", "yes"}, {"user", "u; id"}, {"bogus", "x"}, {"", ""},
	} {
		f.Add(s[0], s[1])
	}
	cat := New()
	f.Fuzz(func(t *testing.T, name, value string) {
		for _, kn := range cat.Names() {
			k, _ := cat.Kind(kn)
			opts, err := k.ResolveOptions(map[string]string{name: value})
			known := false
			for _, o := range k.Options {
				known = known || o.Name == name
			}
			if known != (err == nil) {
				t.Fatalf("%s: ResolveOptions(%q) = %v; known option: %v", kn, name, err, known)
			}
			if err != nil {
				if !strings.Contains(err.Error(), kn) {
					t.Errorf("%s: error %q does not name the kind", kn, err)
				}
				continue
			}
			if len(opts) != len(k.Options) || opts[name] != value {
				t.Errorf("%s: ResolveOptions(%q=%q) = %v", kn, name, value, opts)
			}
			if kn != "ftp" {
				continue
			}
			o, err := ftpOptions(Env{Options: opts})
			if err != nil {
				continue
			}
			for _, p := range o.PassivePorts {
				if p < 1 || p > 65535 {
					t.Errorf("pasv-ports=%q gave port %d", value, p)
				}
			}
		}
	})
}
