package e2e

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/testbed-dev/testbed/internal/testenv"
)

// execAllowed are the non-test files that may start processes, and why.
var execAllowed = map[string]string{
	"image/builtin.go":                 "runs the Go toolchain (go list, go build) to make the static server binary",
	"cli/run.go":                       "runs the user's ARGV for `testbed run`, as given",
	"engine/local/supervisor/spawn.go": "re-executes the testbed command as a project's supervisor (local driver)",
	"forward/background/background.go": "re-executes the testbed command as a kept project's background port forwarder (docker and kubernetes drivers)",
}

// No shell and no docker CLI anywhere in testbed's code: only the files
// above start processes, and no argv anywhere names a shell or docker.
func TestNoShellNoDockerCLI(t *testing.T) {
	root := testenv.ModuleRoot(t)
	fset := token.NewFileSet()
	banned := map[string]bool{"sh": true, "bash": true, "/bin/sh": true, "/bin/bash": true, "docker": true, "docker-compose": true, "cmd.exe": true}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			if rel == "bench" || rel == "testdata" || strings.HasPrefix(d.Name(), ".") && rel != "." {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") || strings.HasPrefix(rel, "internal/testenv") || strings.HasPrefix(rel, "internal/clienttest") || strings.HasPrefix(rel, "servers/internal/servertest") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			if path, _ := strconv.Unquote(imp.Path.Value); path == "os/exec" {
				if _, ok := execAllowed[filepath.ToSlash(rel)]; !ok {
					t.Errorf("%s imports os/exec; only %v may", rel, keys(execAllowed))
				}
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || (sel.Sel.Name != "Command" && sel.Sel.Name != "CommandContext") {
				return true
			}
			for _, a := range call.Args {
				if lit, ok := a.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					if s, _ := strconv.Unquote(lit.Value); banned[s] {
						t.Errorf("%s: starts %q", fset.Position(call.Pos()), s)
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
