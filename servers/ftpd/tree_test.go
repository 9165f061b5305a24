package ftpd

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sha256Sums, written out in tree.go, is what hashing the tree gives.
func TestSHA256SUMS(t *testing.T) {
	var want strings.Builder
	for _, f := range summedFiles() {
		sum := sha256.Sum256(f.data)
		fmt.Fprintf(&want, "%s  %s\n", hex.EncodeToString(sum[:]), strings.TrimPrefix(f.path, "pub/"))
	}
	if sha256Sums != want.String() {
		t.Errorf("sha256Sums in tree.go does not match the tree; set it to:\n%s", want.String())
	}
}

// The laid-out /pub/SHA256SUMS lists every other readable file of /pub with
// the hash of what is on disk.
func TestSHA256SUMSOnDisk(t *testing.T) {
	srv, err := New(Options{Root: t.TempDir()})
	if err != nil {
		t.Fatalf("New() = %v", err)
	}
	defer srv.Close()
	pub := filepath.Join(srv.Root(), anonDir, "pub")
	sums, err := os.ReadFile(filepath.Join(pub, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSuffix(string(sums), "\n"), "\n") {
		hash, name, ok := strings.Cut(line, "  ")
		if !ok {
			t.Fatalf("SHA256SUMS line %q: want \"<hash>  <name>\"", line)
		}
		data, err := os.ReadFile(filepath.Join(pub, filepath.FromSlash(name)))
		if err != nil {
			t.Errorf("SHA256SUMS lists %s: %v", name, err)
			continue
		}
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != hash {
			t.Errorf("SHA256SUMS says %s for %s, whose hash is %x", hash, name, sum)
		}
		listed[name] = true
	}
	err = filepath.WalkDir(pub, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		name := filepath.ToSlash(strings.TrimPrefix(p, pub+string(filepath.Separator)))
		if !listed[name] && name != "SHA256SUMS" && "/pub/"+name != unreadablePath {
			t.Errorf("SHA256SUMS does not list %s", name)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A reseeded root is the seed again: what users and anonymous uploads
// left is gone, the seeded files are intact, and a file that was made to
// look seeded by size alone is written again.
func TestReseed(t *testing.T) {
	root := t.TempDir()
	users := map[string]string{"ftptest": "password"}
	if err := layoutTree(root, users, false); err != nil {
		t.Fatal(err)
	}
	left := []string{"home/ftptest/mine.txt", "anon/upload/anon.txt", "stray.txt", "anon/pub/dir/extra.txt"}
	for _, p := range left {
		if err := os.WriteFile(filepath.Join(root, p), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	big := filepath.Join(root, "anon/pub/1MiB.bin")
	if err := os.WriteFile(big, make([]byte, 1<<20), 0o644); err != nil { // right size, wrong time and bytes
		t.Fatal(err)
	}
	if err := clearForReseed(root); err != nil {
		t.Fatal(err)
	}
	if err := layoutTree(root, users, true); err != nil {
		t.Fatal(err)
	}
	for _, p := range left {
		if _, err := os.Lstat(filepath.Join(root, p)); err == nil {
			t.Errorf("%s survived the reseed", p)
		}
	}
	for _, f := range pubFiles() {
		got, err := os.ReadFile(filepath.Join(root, "anon", filepath.FromSlash(f.path)))
		if err != nil || !bytes.Equal(got, f.data) {
			t.Errorf("%s after the reseed: %d bytes, %v; want the seed", f.path, len(got), err)
		}
	}
	for _, d := range []string{"home/ftptest", "anon/upload"} {
		if st, err := os.Stat(filepath.Join(root, d)); err != nil || !st.IsDir() {
			t.Errorf("%s after the reseed: %v", d, err)
		}
	}
}
