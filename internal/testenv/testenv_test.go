package testenv

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/testbed-dev/testbed/image"
)

// ModuleRoot finds testbed's module as the built-in image's builder does
// (image.ModuleDir, the one `go list -m` helper), so tests, the builder and
// the benchmark module never disagree on where the source is.
func TestModuleRoot(t *testing.T) {
	root := ModuleRoot(t)
	f, err := os.Open(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatalf("ModuleRoot() = %s, which has no go.mod: %v", root, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() || strings.TrimSpace(sc.Text()) != "module "+image.Module {
		t.Errorf("ModuleRoot() = %s, whose go.mod starts %q, want module %s", root, sc.Text(), image.Module)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if rel, err := filepath.Rel(root, wd); err != nil || rel != filepath.Join("internal", "testenv") {
		t.Errorf("ModuleRoot() = %s; this package is at %s, want it in internal/testenv of the module", root, wd)
	}
}

// Outside any module that requires testbed, ModuleDir says what it ran.
func TestModuleDirOutsideModule(t *testing.T) {
	t.Chdir(t.TempDir())
	t.Setenv("GOWORK", "off")
	dir, err := image.ModuleDir(t.Context())
	if err == nil || !strings.Contains(err.Error(), "go list -m "+image.Module) {
		t.Errorf("ModuleDir() outside a module = %q, %v; want an error naming go list -m %s", dir, err, image.Module)
	}
}
