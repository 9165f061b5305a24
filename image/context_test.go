package image

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/testbed-dev/testbed/spec"
)

func writeFile(t *testing.T, p, content string, mode os.FileMode) {
	t.Helper()
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	os.Chmod(p, mode)
}

type entry struct {
	mode int64
	body string
}

func entries(t *testing.T, c *Context) map[string]entry {
	t.Helper()
	out := map[string]entry{}
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(&buf)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		out[h.Name] = entry{h.Mode, string(b)}
	}
}

func TestNewContext(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "ctx/Dockerfile"), "FROM base:1\nRUN [\"true\"]", 0o644)
	writeFile(t, filepath.Join(dir, "ctx/app.bin"), "\x00\x01\x02", 0o755)
	writeFile(t, filepath.Join(dir, "ctx/logs/a.log"), "x", 0o644)
	writeFile(t, filepath.Join(dir, "ctx/logs/keep.log"), "k", 0o644)
	writeFile(t, filepath.Join(dir, "ctx/.dockerignore"), "# comment\nlogs\n!logs/keep.log\n**/*.tmp\n", 0o644)
	writeFile(t, filepath.Join(dir, "ctx/deep/x.tmp"), "t", 0o644)
	writeFile(t, filepath.Join(dir, "extra.pem"), "PEM", 0o600)
	src := Source{
		Build: &spec.Build{Context: filepath.Join(dir, "ctx"), Args: map[string]string{"V": "1"}},
		Files: []spec.File{{Src: filepath.Join(dir, "extra.pem"), Dst: "/etc/x y.pem", Mode: 0o640}},
	}
	c, err := NewContext(src)
	if err != nil {
		t.Fatal(err)
	}
	got := entries(t, c)
	for _, name := range []string{"logs/a.log", "deep/x.tmp"} {
		if _, ok := got[name]; ok {
			t.Errorf("%s is in the context; .dockerignore excludes it", name)
		}
	}
	if e := got["app.bin"]; e.mode != 0o755 || e.body != "\x00\x01\x02" {
		t.Errorf("app.bin = %+v", e)
	}
	if _, ok := got["logs/keep.log"]; !ok {
		t.Errorf("logs/keep.log is missing; the ! exception keeps it")
	}
	if e := got[".testbed/files/0/file"]; e.mode != 0o640 || e.body != "PEM" {
		t.Errorf("spec file = %+v, want mode 0640 body PEM", e)
	}
	df := got[c.Dockerfile].body
	want := "FROM base:1\nRUN [\"true\"]\nCOPY [\".testbed/files/0/file\",\"/etc/x y.pem\"]\n"
	if df != want {
		t.Errorf("Dockerfile =\n%s\nwant\n%s", df, want)
	}
	if !reflect.DeepEqual(c.Bases, []string{"base:1"}) {
		t.Errorf("Bases = %v, want [base:1]", c.Bases)
	}
	again, _ := NewContext(src)
	if again.Hash != c.Hash {
		t.Errorf("hash is not stable: %s vs %s", c.Hash, again.Hash)
	}
	src.Build.Args["V"] = "2"
	if changed, _ := NewContext(src); changed.Hash == c.Hash {
		t.Errorf("hash ignores build args")
	}
	src.Build.Args["V"] = "1"
	writeFile(t, filepath.Join(dir, "extra.pem"), "PEM2", 0o600)
	if changed, _ := NewContext(src); changed.Hash == c.Hash {
		t.Errorf("hash ignores file contents")
	}
}

func TestBaseImages(t *testing.T) {
	df := "ARG V=1\nFROM golang:1.26 AS build\nRUN x\nFROM --platform=linux/amd64 alpine:3\nCOPY --from=build /a /a\nFROM build\nFROM scratch\nFROM img:$V\n"
	got := BaseImages(df)
	want := []string{"golang:1.26", "alpine:3"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("BaseImages() = %v, want %v", got, want)
	}
}
