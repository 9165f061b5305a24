package image

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// staticBinary builds a tiny static Linux program for arch.
func staticBinary(t *testing.T, arch string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module tiny\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "tiny")
	cmd := exec.Command("go", "build", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch, "GOFLAGS=", "GOWORK=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build tiny for linux/%s: %v\n%s", arch, err, b)
	}
	return out
}

func TestCheckBinary(t *testing.T) {
	tiny := staticBinary(t, runtime.GOARCH)
	other := map[string]string{"amd64": "arm64"}[runtime.GOARCH]
	if other == "" {
		other = "amd64"
	}
	for _, tc := range []struct {
		name, path, arch, want string
	}{
		{"static, this architecture", tiny, runtime.GOARCH, ""},
		{"missing", filepath.Join(t.TempDir(), "nope"), runtime.GOARCH, "not a Linux executable"},
		{"not ELF", "builtin_test.go", runtime.GOARCH, "not a Linux executable"},
		{"dynamic", "/bin/sh", runtime.GOARCH, "dynamically linked"},
		{"another architecture", tiny, other, "built for linux/" + runtime.GOARCH + ", and the engine runs linux/" + other},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkBinary(tc.path, tc.arch)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("checkBinary() = %v, want nil", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("checkBinary() = %v, want an error saying %q", err, tc.want)
			}
		})
	}
}

// A binary named by TESTBED_SERVER_BINARY for another architecture than
// the engine's is refused with both named, before anything is built.
func TestServerBinaryEnvOfAnotherArchitecture(t *testing.T) {
	t.Setenv(BinaryEnv, staticBinary(t, "arm64"))
	_, err := ServerBinary(t.Context(), BinaryOptions{Arch: "amd64", CacheDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "built for linux/arm64, and the engine runs linux/amd64") {
		t.Fatalf("ServerBinary() = %v, want the architectures named", err)
	}
	p, err := ServerBinary(t.Context(), BinaryOptions{Arch: "arm64", CacheDir: t.TempDir()})
	if err != nil || p != os.Getenv(BinaryEnv) {
		t.Errorf("ServerBinary(arm64) = %q, %v; want the arm64 binary", p, err)
	}
}

// An engine of another architecture gets a server binary cross-compiled
// from the module source, and the image says that architecture.
func TestServerBinaryCrossCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles testbed")
	}
	t.Setenv(BinaryEnv, "")
	arch := "arm64"
	if runtime.GOARCH == "arm64" {
		arch = "amd64"
	}
	var said []string
	cache := t.TempDir()
	p, err := ServerBinary(t.Context(), BinaryOptions{Arch: arch, CacheDir: cache, Logf: func(f string, a ...any) { said = append(said, f) }})
	if err != nil {
		t.Fatalf("ServerBinary(%s) = %v", arch, err)
	}
	f, err := elf.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	got := elfArch(f)
	f.Close()
	if got != arch {
		t.Errorf("server binary for %s is built for %s", arch, got)
	}
	if len(said) != 1 || !strings.Contains(said[0], "static linux/%s testbed server binary") {
		t.Errorf("progress = %q, want one line about building it", said)
	}
	img, err := NewBuiltinImage(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(img.config), `"architecture":"`+arch+`"`) {
		t.Errorf("image config = %s, want architecture %s", img.config, arch)
	}
	// Built once: the second call finds it in the cache.
	said = nil
	if q, err := ServerBinary(t.Context(), BinaryOptions{Arch: arch, CacheDir: cache, Logf: func(f string, a ...any) { said = append(said, f) }}); err != nil || q != p || len(said) != 0 {
		t.Errorf("second ServerBinary(%s) = %q, %v with progress %q; want %q from the cache", arch, q, err, said, p)
	}
}

func TestBuildEnv(t *testing.T) {
	has := func(env []string, kv string) bool { return slices.Contains(env, kv) }
	if env := buildEnv("arm"); !has(env, "GOARCH=arm") || !has(env, "GOARM=6") || !has(env, "CGO_ENABLED=0") {
		t.Errorf("buildEnv(arm) = %v, want a static ARMv6 build", env)
	}
	if env := buildEnv("arm64"); !has(env, "GOARCH=arm64") || slices.ContainsFunc(env, func(kv string) bool { return strings.HasPrefix(kv, "GOARM=") }) {
		t.Errorf("buildEnv(arm64) = %v, want GOARCH=arm64 and no GOARM", env)
	}
}
