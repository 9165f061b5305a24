package image_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/testbed-dev/testbed/image"
	"github.com/testbed-dev/testbed/spec"
)

// A Dockerfile outside the context is built with the whole context (a
// file named Dockerfile in it included); its bytes, the target and the
// platform are all in the content hash; a directory or a file past 1 MiB
// is refused.
func TestExternalDockerfile(t *testing.T) {
	dir := t.TempDir()
	ctxDir := filepath.Join(dir, "ctx")
	shared := filepath.Join(dir, "shared", "Dockerfile")
	for p, c := range map[string]string{filepath.Join(ctxDir, "Dockerfile"): "FROM context-own\n", shared: "FROM shared\n"} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	hash := func(b spec.Build, platform string) (*image.Context, error) {
		b.Context = ctxDir
		return image.NewContext(image.Source{Build: &b, Platform: platform})
	}
	c, err := hash(spec.Build{ExternalDockerfile: shared}, "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Size != int64(len("FROM context-own\n")+len("FROM shared\n")) {
		t.Errorf("context size = %d, want the context's own Dockerfile sent as a plain file", c.Size)
	}
	if c.Bases[0] != "shared" {
		t.Errorf("bases = %v, want the external Dockerfile's FROM", c.Bases)
	}
	seen := map[string]string{c.Hash: "plain"}
	for name, v := range map[string]struct {
		b        spec.Build
		platform string
	}{
		"target":   {spec.Build{ExternalDockerfile: shared, Target: "base"}, ""},
		"platform": {spec.Build{ExternalDockerfile: shared}, "linux/amd64"},
	} {
		c, err := hash(v.b, v.platform)
		if err != nil {
			t.Fatal(err)
		}
		if prev, ok := seen[c.Hash]; ok {
			t.Errorf("%s has the hash of %s", name, prev)
		}
		seen[c.Hash] = name
	}
	if err := os.WriteFile(shared, []byte("FROM shared2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if c2, err := hash(spec.Build{ExternalDockerfile: shared}, ""); err != nil || c2.Hash == c.Hash {
		t.Errorf("a changed external Dockerfile kept the hash (err %v)", err)
	}
	if _, err := hash(spec.Build{ExternalDockerfile: filepath.Dir(shared)}, ""); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("a directory as Dockerfile = %v, want not a regular file", err)
	}
	if err := os.WriteFile(shared, make([]byte, image.MaxExternalDockerfile+1), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := hash(spec.Build{ExternalDockerfile: shared}, ""); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("a 1 MiB + 1 Dockerfile = %v, want refused", err)
	}
}
