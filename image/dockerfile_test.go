package image

import (
	"path/filepath"
	"testing"

	"github.com/testbed-dev/testbed/spec"
)

// Dockerfile is the text NewContext builds with, for every kind of source.
func TestDockerfileIsTheContexts(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "ctx/Dockerfile"), "FROM base:1\nRUN [\"true\"]", 0o644)
	writeFile(t, filepath.Join(dir, "a.pem"), "A", 0o600)
	writeFile(t, filepath.Join(dir, "certs/b.pem"), "B", 0o644)
	files := []spec.File{
		{Src: filepath.Join(dir, "a.pem"), Dst: "/etc/a.pem", Mode: 0o640},
		{Src: filepath.Join(dir, "certs"), Dst: "/etc/certs"},
	}
	copies := "COPY [\".testbed/files/0/file\",\"/etc/a.pem\"]\nCOPY [\".testbed/files/1/\",\"/etc/certs/\"]\n"
	for _, c := range []struct {
		name string
		src  Source
		want string
	}{
		{"image with files", Source{Base: "example/app:1", Files: files}, "FROM example/app:1\n" + copies},
		{"own Dockerfile", Source{Build: &spec.Build{Context: filepath.Join(dir, "ctx")}, Files: files}, "FROM base:1\nRUN [\"true\"]\n" + copies},
		{"inline with marker", Source{Build: &spec.Build{Context: filepath.Join(dir, "ctx"), Inline: "FROM b:1\n" + FilesMarker + "\nCMD [\"x\"]\n"}, Files: files}, "FROM b:1\n" + copies + "CMD [\"x\"]\n"},
		{"inline, no files", Source{Build: &spec.Build{Inline: "FROM b:1\n" + FilesMarker + "\n"}}, "FROM b:1\n"},
	} {
		got, err := Dockerfile(c.src)
		if err != nil {
			t.Errorf("%s: Dockerfile() = %v", c.name, err)
			continue
		}
		if got != c.want {
			t.Errorf("%s: Dockerfile() = %q, want %q", c.name, got, c.want)
		}
		ctx, err := NewContext(c.src)
		if err != nil {
			t.Errorf("%s: NewContext() = %v", c.name, err)
			continue
		}
		if built := entries(t, ctx)[ctx.Dockerfile].body; built != got {
			t.Errorf("%s: the context's Dockerfile = %q, Dockerfile() = %q", c.name, built, got)
		}
	}
	if _, err := Dockerfile(Source{Base: "x:1", Files: []spec.File{{Src: filepath.Join(dir, "missing"), Dst: "/m"}}}); err == nil {
		t.Errorf("Dockerfile() with a missing file = nil error")
	}
}
