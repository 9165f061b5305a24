//go:build linux

package trim_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/testbed-dev/testbed/internal/testenv"
)

// A program that trims its pages keeps running, whether it is linked at a
// fixed address (what testbed ships) or position-independent (whose
// relocated read-only data must not be dropped), static or not.
func TestProgramSurvivesTrim(t *testing.T) {
	root := testenv.ModuleRoot(t)
	for _, tc := range []struct{ name, mode, cgo string }{
		{"static", "exe", "0"},
		{"static-pie", "pie", "0"},
		{"dynamic-pie", "pie", "1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bin := filepath.Join(t.TempDir(), "trimmer")
			build := exec.Command("go", "build", "-buildmode="+tc.mode, "-o", bin, "./internal/trim/testdata/trimmer")
			build.Dir = root
			build.Env = append(os.Environ(), "CGO_ENABLED="+tc.cgo)
			if out, err := build.CombinedOutput(); err != nil {
				if tc.cgo == "1" {
					t.Skipf("no cgo build here: %v\n%s", err, out)
				}
				t.Fatalf("go build -buildmode=%s: %v\n%s", tc.mode, err, out)
			}
			out, err := exec.Command(bin).CombinedOutput()
			if err != nil || strings.TrimSpace(string(out)) != "one=1 two=2 three=3" {
				t.Errorf("trimmer (%s) = %.300q, %v; want it to run on after the trim", tc.name, out, err)
			}
		})
	}
}
