package image

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/testbed-dev/testbed/internal/buildtree"
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

// The size cap is checked before any content is read, names the file, and
// the streamed archive hashes to the tag NewContext computed.
func TestContextCapAndStream(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "ctx/Dockerfile"), "FROM base:1\n", 0o644)
	writeFile(t, filepath.Join(dir, "ctx/a.bin"), strings.Repeat("a", 600), 0o644)
	writeFile(t, filepath.Join(dir, "ctx/b.bin"), strings.Repeat("b", 600), 0o644)
	src := Source{Build: &spec.Build{Context: filepath.Join(dir, "ctx")}, MaxBytes: 1000}
	_, err := NewContext(src)
	var tl *TooLargeError
	if !errors.As(err, &tl) || !errors.Is(err, ErrTooLarge) || !strings.HasSuffix(tl.Path, "b.bin") || tl.Limit != 1000 {
		t.Fatalf("NewContext() over the cap = %v, want a TooLargeError at b.bin", err)
	}
	t.Setenv(MaxContextEnv, "2K")
	src.MaxBytes = 0
	c, err := NewContext(src)
	if err != nil {
		t.Fatalf("NewContext() with %s=2K = %v", MaxContextEnv, err)
	}
	if c.Size != 1200+int64(len("FROM base:1\n"))*2 {
		t.Errorf("Size = %d", c.Size)
	}
	r := c.Reader()
	got, err := io.ReadAll(r)
	r.Close()
	if err != nil {
		t.Fatalf("Reader() = %v", err)
	}
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil || !bytes.Equal(buf.Bytes(), got) {
		t.Errorf("WriteTo() and Reader() differ (%v)", err)
	}
	// A file that changes after hashing fails the stream.
	writeFile(t, filepath.Join(dir, "ctx/a.bin"), strings.Repeat("c", 600), 0o644)
	if _, err := c.WriteTo(io.Discard); err == nil {
		t.Errorf("WriteTo() after a change = nil, want an error")
	}
	t.Setenv(MaxContextEnv, "lots")
	if _, err := NewContext(src); err == nil || !strings.Contains(err.Error(), MaxContextEnv) {
		t.Errorf("NewContext() with a bad %s = %v", MaxContextEnv, err)
	}
}

// A link inside the copied tree is kept as a link; one that leaves it
// stops NewContext with its path.
func TestContextLinks(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "ctx/Dockerfile"), "FROM base:1\n", 0o644)
	writeFile(t, filepath.Join(dir, "ctx/sub/real.txt"), "x", 0o644)
	if err := os.Symlink("sub/real.txt", filepath.Join(dir, "ctx/in")); err != nil {
		t.Fatal(err)
	}
	src := Source{Build: &spec.Build{Context: filepath.Join(dir, "ctx")}}
	c, err := NewContext(src)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(&buf)
	found := false
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		if h.Name == "in" {
			found = h.Typeflag == tar.TypeSymlink && h.Linkname == "sub/real.txt"
		}
	}
	if !found {
		t.Errorf("link in the tree not kept as a link")
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "ctx/out")); err != nil {
		t.Fatal(err)
	}
	if _, err := NewContext(src); !errors.Is(err, buildtree.ErrLinkOutside) || !strings.Contains(err.Error(), "ctx/out") {
		t.Errorf("NewContext() with a link to /etc/passwd = %v, want ErrLinkOutside naming it", err)
	}
}
