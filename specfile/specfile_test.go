package specfile

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/testbed-dev/testbed/spec"
)

func write(t *testing.T, p, body string) string {
	t.Helper()
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadRecognisesFormats(t *testing.T) {
	dir := t.TempDir()
	native := write(t, filepath.Join(dir, "n", "testbed.yaml"), "servers:\n  web: {builtin: http}\n")
	compose := write(t, filepath.Join(dir, "c", "docker-compose.yml"), "services:\n  web:\n    image: example/web:1\n    container_name: web-1\n")
	write(t, filepath.Join(dir, "l", "web", "config.json"), `{"image": "example/base:1"}`)
	write(t, filepath.Join(dir, "l", "config.json"), `{"maintainer": "qa"}`)
	for _, c := range []struct {
		path, format string
		warnings     bool
	}{
		{native, "native", false},
		{filepath.Dir(native), "native", false},
		{compose, "compose", true},
		{filepath.Dir(compose), "compose", true},
		{filepath.Join(dir, "l"), "legacy", false},
		{filepath.Join(dir, "l", "config.json"), "legacy", false},
	} {
		tb, warnings, err := Load(context.Background(), c.path, Options{})
		if err != nil {
			t.Errorf("Load(%s) = %v", c.path, err)
			continue
		}
		if tb.Format != c.format || (len(warnings) > 0) != c.warnings {
			t.Errorf("Load(%s) = format %s, %d warnings; want %s, warnings %v", c.path, tb.Format, len(warnings), c.format, c.warnings)
		}
	}
	if got := Find(filepath.Dir(native)); got != native {
		t.Errorf("Find() = %q, want %q", got, native)
	}
	if got := Find(dir); got != "" {
		t.Errorf("Find(no spec) = %q, want \"\"", got)
	}
}

// A file whose name does not say its format is read by its top-level keys:
// "servers" is native, "services" without "servers" is compose. Names that
// do say (testbed.yaml, compose.yaml, ...) still decide.
func TestLoadRecognisesFormatByContent(t *testing.T) {
	dir := t.TempDir()
	const (
		composeYAML = "services:\n  web:\n    image: example/web:1\n"
		composeJSON = `{"services": {"web": {"image": "example/web:1"}}}`
		nativeYAML  = "servers:\n  web: {builtin: http}\n"
		nativeJSON  = `{"servers": {"web": {"builtin": "http"}}}`
	)
	for _, c := range []struct {
		name, body, format string
	}{
		{"stack.yml", composeYAML, "compose"},
		{"stack.yaml", "# a comment first\nversion: \"3\"\n" + composeYAML, "compose"},
		{"stack.json", composeJSON, "compose"},
		{"lab", composeYAML, "compose"},
		{"stack.yml", nativeYAML, "native"},
		{"stack.json", nativeJSON, "native"},
		{"lab-compose.yml", nativeYAML, "native"}, // "compose" in the name is a hint, the content decides
		{"lab-compose.yml", composeYAML, "compose"},
		{"docker-compose.yml", composeYAML, "compose"},
		{"Testbed.YAML", nativeYAML, "native"},
	} {
		p := write(t, filepath.Join(dir, c.format+"-"+c.name, c.name), c.body)
		tb, _, err := Load(context.Background(), p, Options{})
		if err != nil {
			t.Errorf("Load(%s with %q) = %v, want format %s", c.name, c.body, err, c.format)
			continue
		}
		if tb.Format != c.format || len(tb.Servers) != 1 || tb.Servers[0].Name != "web" {
			t.Errorf("Load(%s with %q) = format %s, %d servers; want %s with server web", c.name, c.body, tb.Format, len(tb.Servers), c.format)
		}
	}
}

// A file read as native that fails and has a top-level "services" key is
// said to look like a compose file, on the line of that key; the native
// problems follow, and it is still a spec error.
func TestLoadSaysNativeFileLooksLikeCompose(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		path, body string
		want       []string
		dirToo     bool // the file's directory loads it too
	}{
		{
			filepath.Join(dir, "named", "testbed.yaml"), "name: lab\nservices:\n  web: {image: example/web:1}\n",
			[]string{`testbed.yaml:2: this looks like a compose file (a top-level "services" key), but the name "testbed.yaml" makes it a native spec: rename it`, `field "services": unknown field`},
			true,
		},
		{
			filepath.Join(dir, "dir", "testbed.json"), `{"services": {"web": {"image": "example/web:1"}}}`,
			[]string{`testbed.json:1: this looks like a compose file`, `"testbed.json" makes it a native spec`},
			true,
		},
		{
			filepath.Join(dir, "both", "stack.yml"), "servers:\n  web: {builtin: http}\nservices:\n  db: {image: example/db:1}\n",
			[]string{`stack.yml:3: this has a top-level "services" key like a compose file and "servers" like a native spec`, `field "services": unknown field`},
			false,
		},
	} {
		write(t, c.path, c.body)
		paths := []string{c.path}
		if c.dirToo {
			paths = append(paths, filepath.Dir(c.path))
		}
		for _, path := range paths {
			_, _, err := Load(context.Background(), path, Options{})
			if err == nil || !errors.Is(err, spec.ErrInvalid) {
				t.Errorf("Load(%s) = %v, want a spec error", path, err)
				continue
			}
			for _, want := range c.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Load(%s) = %q, want it to contain %q", path, err, want)
				}
			}
			if first, _, _ := strings.Cut(err.Error(), "\n"); !strings.Contains(first, "like a compose file") {
				t.Errorf("Load(%s): first line %q, want the compose hint first", path, first)
			}
		}
	}
	// Without "services", a failing native file gets no compose hint.
	p := write(t, filepath.Join(dir, "plain", "stack.yml"), "servers:\n  web: {builtin: http, colour: blue}\n")
	if _, _, err := Load(context.Background(), p, Options{}); err == nil || strings.Contains(err.Error(), "compose") {
		t.Errorf("Load(native with a bad field) = %v, want a native error without a compose hint", err)
	}
}
