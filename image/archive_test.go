package image

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// readTar returns every regular file of a tar archive by name.
func readTar(t *testing.T, r io.Reader) (map[string][]byte, map[string]int64) {
	t.Helper()
	files, modes := map[string][]byte{}, map[string]int64{}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files, modes
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[h.Name], modes[h.Name] = b, h.Mode
	}
}

func TestBuiltinImageArchive(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "testbed")
	body := strings.Repeat("not really an ELF binary\n", 1000)
	writeFile(t, bin, body, 0o755)
	labels := map[string]string{"testbed.image": "builtin", "testbed.version": "1.2.3"}
	img, err := NewBuiltinImage(bin, labels)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	n, err := img.WriteTo(&buf)
	if err != nil || n != int64(buf.Len()) {
		t.Fatalf("WriteTo() = %d, %v; wrote %d", n, err, buf.Len())
	}
	files, _ := readTar(t, bytes.NewReader(buf.Bytes()))

	var manifest []struct {
		Config   string
		RepoTags []string
		Layers   []string
	}
	if err := json.Unmarshal(files["manifest.json"], &manifest); err != nil || len(manifest) != 1 {
		t.Fatalf("manifest.json = %s (%v), want one image", files["manifest.json"], err)
	}
	m := manifest[0]
	if !reflect.DeepEqual(m.RepoTags, []string{img.Tag()}) || !strings.HasPrefix(img.Tag(), "testbed/builtin:") {
		t.Errorf("RepoTags = %v, want [%s]", m.RepoTags, img.Tag())
	}
	// The tag is the image ID: the config's digest.
	config := files[m.Config]
	sum := sha256.Sum256(config)
	if id := hex.EncodeToString(sum[:]); m.Config != id+".json" || img.Hash() != id || img.Tag() != Tag(BuiltinName, id) {
		t.Errorf("config %s, hash %s, tag %s; want all from the config's digest %s", m.Config, img.Hash(), img.Tag(), id)
	}
	// In a registry, the same tag under the repository given.
	if got, want := img.TagIn("127.0.0.1:5000/testbed"), "127.0.0.1:5000/"+img.Tag(); got != want {
		t.Errorf("TagIn() = %q, want %q", got, want)
	}
	var cfg struct {
		Architecture string
		OS           string
		Config       struct {
			User       string
			Entrypoint []string
			Cmd        []string
			Labels     map[string]string
		}
		RootFS struct {
			Type    string
			DiffIDs []string `json:"diff_ids"`
		}
	}
	if err := json.Unmarshal(config, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.OS != "linux" || cfg.Architecture == "" || cfg.Config.User != "65534:65534" ||
		!reflect.DeepEqual(cfg.Config.Entrypoint, []string{"/testbed"}) || !reflect.DeepEqual(cfg.Config.Labels, labels) {
		t.Errorf("config = %s", config)
	}
	// The layer is named by its digest, which the config lists, and holds
	// the binary as /testbed, executable.
	if len(m.Layers) != 1 || len(cfg.RootFS.DiffIDs) != 1 {
		t.Fatalf("layers %v, diff ids %v, want one each", m.Layers, cfg.RootFS.DiffIDs)
	}
	layer := files[m.Layers[0]]
	lsum := sha256.Sum256(layer)
	if cfg.RootFS.DiffIDs[0] != "sha256:"+hex.EncodeToString(lsum[:]) {
		t.Errorf("diff id %s, want the layer's digest %x", cfg.RootFS.DiffIDs[0], lsum)
	}
	inLayer, modes := readTar(t, bytes.NewReader(layer))
	if string(inLayer["testbed"]) != body || modes["testbed"] != 0o755 || len(inLayer) != 1 {
		t.Errorf("layer holds %d files, testbed mode %o, %d bytes; want the binary alone, 0755", len(inLayer), modes["testbed"], len(inLayer["testbed"]))
	}
}

func TestBuiltinImageTag(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	writeFile(t, a, "binary one", 0o755)
	writeFile(t, b, "binary two", 0o755)
	tag := func(path string, labels map[string]string) string {
		t.Helper()
		img, err := NewBuiltinImage(path, labels)
		if err != nil {
			t.Fatal(err)
		}
		return img.Tag()
	}
	v1 := map[string]string{"testbed.version": "1"}
	if tag(a, v1) != tag(a, map[string]string{"testbed.version": "1"}) {
		t.Errorf("the same binary and labels made two tags")
	}
	if tag(a, v1) == tag(b, v1) {
		t.Errorf("two binaries made the same tag")
	}
	if tag(a, v1) == tag(a, map[string]string{"testbed.version": "2"}) {
		t.Errorf("two label sets made the same tag")
	}
	if _, err := NewBuiltinImage(filepath.Join(dir, "missing"), nil); err == nil {
		t.Errorf("NewBuiltinImage(missing file) = nil error")
	}
}

func TestBuiltinImageChangedBinary(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "testbed")
	writeFile(t, bin, "first version", 0o755)
	img, err := NewBuiltinImage(bin, nil)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, bin, "other version", 0o755) // same size, other bytes
	if _, err := img.WriteTo(io.Discard); err == nil || !strings.Contains(err.Error(), "changed") {
		t.Errorf("WriteTo() after the binary changed = %v, want an error saying so", err)
	}
	if err := os.Remove(bin); err != nil {
		t.Fatal(err)
	}
	if _, err := img.WriteTo(io.Discard); err == nil {
		t.Errorf("WriteTo() of a removed binary = nil error")
	}
}
