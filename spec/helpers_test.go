package spec

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// fakeKinds is a catalogue for tests: kind name -> option names.
type fakeKinds map[string][]string

func (k fakeKinds) HasKind(name string) bool         { _, ok := k[name]; return ok }
func (k fakeKinds) KindOptions(name string) []string { return k[name] }
func (k fakeKinds) Names() []string                  { return []string{"echo", "ftp", "http"} }

var testKinds = fakeKinds{"http": {"user", "password"}, "echo": nil, "ftp": {"passive-ports"}}

// project makes a spec directory with the files the test specs refer to
// and returns it.
func project(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range map[string]string{
		"ftp/Dockerfile":   "FROM scratch\n",
		"ftp/Other.docker": "FROM scratch\n",
		"ca.pem":           "pem\n",
		"site/index.html":  "<p>hi</p>\n",
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// loadString writes body as dir/name and loads it.
func loadString(t *testing.T, dir, name, body string) (*Testbed, error) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return Load(p)
}

// check loads and validates body, returning the first error.
func check(t *testing.T, dir, body string) error {
	t.Helper()
	tb, err := loadString(t, dir, "testbed.yaml", body)
	if err != nil {
		return err
	}
	return tb.Validate(testKinds)
}

// stripLines drops line maps so models compare by content.
func stripLines(tb *Testbed) {
	tb.Lines = nil
	for _, s := range tb.Servers {
		s.Lines = nil
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
