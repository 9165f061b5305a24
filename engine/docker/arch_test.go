package docker

import (
	"runtime"
	"testing"

	"github.com/testbed-dev/testbed/internal/testenv"
)

func TestGoArch(t *testing.T) {
	for machine, want := range map[string]string{
		"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "i686": "386",
		"ppc64le": "ppc64le", "s390x": "s390x", "riscv64": "riscv64", "mips": "", "": "",
	} {
		if got := goArch(machine); got != want {
			t.Errorf("goArch(%q) = %q, want %q", machine, got, want)
		}
	}
}

// The engine here runs on this machine, so it reports this architecture,
// and the built-in image is made for it.
func TestDriverArch(t *testing.T) {
	testenv.Engine(t)
	d, err := New(t.Context(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if got := d.Arch(); got != runtime.GOARCH {
		t.Errorf("Arch() = %q, want %q (a local engine)", got, runtime.GOARCH)
	}
}
