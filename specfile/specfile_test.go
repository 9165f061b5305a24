package specfile

import (
	"context"
	"os"
	"path/filepath"
	"testing"
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
