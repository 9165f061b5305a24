package image

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
)

// Module is testbed's module path; its cmd/testbed is the server binary.
const Module = "github.com/testbed-dev/testbed"

// BinaryEnv names a prebuilt static testbed binary to put in the built-in image.
const BinaryEnv = "TESTBED_SERVER_BINARY"

// KubernetesTag is the build tag that adds the Kubernetes driver (and
// client-go, which doubles the binary) to the testbed command. The server
// binary in the built-in image is built without it, and a running binary
// built with it is not put in the image.
const KubernetesTag = "kubernetes"

// BuiltinName is the repository of the built-in server image.
const BuiltinName = "builtin"

// BinaryOptions say where to find or how to make the server binary.
type BinaryOptions struct {
	CacheDir string               // where built binaries are kept; "" = the user cache dir
	Logf     func(string, ...any) // progress; nil = quiet
	// Arch is the architecture (a GOARCH name) the binary must run on: the
	// engine's. "" means this process's.
	Arch string
}

// ServerBinary returns the path of a static Linux testbed binary for the
// built-in image, for o.Arch. In order: $TESTBED_SERVER_BINARY; the running
// executable when it is testbed's own command built static for that
// architecture without the [KubernetesTag] (client-go has no business in
// the image); else one built with the Go toolchain from testbed's module
// source (found with `go list -m`), cross-compiled when the architecture
// differs, cached under a hash of that source so it is built once per
// change.
func ServerBinary(ctx context.Context, o BinaryOptions) (string, error) {
	if o.Arch == "" {
		o.Arch = runtime.GOARCH
	}
	if p := os.Getenv(BinaryEnv); p != "" {
		if err := checkBinary(p, o.Arch); err != nil {
			return "", fmt.Errorf("%s=%s: %w", BinaryEnv, p, err)
		}
		return p, nil
	}
	self, err := os.Executable()
	var selfErr error
	if err == nil && isServerBuild() && runtime.GOOS == "linux" {
		if selfErr = checkBinary(self, o.Arch); selfErr == nil {
			return self, nil
		}
	}
	p, err := buildFromSource(ctx, o)
	if err != nil && selfErr != nil {
		return "", fmt.Errorf("this testbed binary cannot go into the image: %v; build it with CGO_ENABLED=0 (see the README), or: %w", selfErr, err)
	}
	return p, err
}

// isServerBuild reports whether this process is testbed's command built
// without the KubernetesTag.
func isServerBuild() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok || bi.Path != Module+"/cmd/testbed" {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-tags" && slices.Contains(strings.Split(s.Value, ","), KubernetesTag) {
			return false
		}
	}
	return true
}

// checkBinary accepts a Linux ELF executable for arch with no dynamic
// loader.
func checkBinary(p, arch string) error {
	f, err := elf.Open(p)
	if err != nil {
		return fmt.Errorf("not a Linux executable: %w", err)
	}
	defer f.Close()
	for _, prog := range f.Progs {
		if prog.Type == elf.PT_INTERP {
			return errors.New("dynamically linked (build with CGO_ENABLED=0)")
		}
	}
	if got := elfArch(f); got != arch {
		return fmt.Errorf("built for linux/%s, and the engine runs linux/%s (build one with CGO_ENABLED=0 GOOS=linux GOARCH=%s go build ./cmd/testbed)", cmp.Or(got, "an unknown architecture"), arch, arch)
	}
	return nil
}

func buildFromSource(ctx context.Context, o BinaryOptions) (string, error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("the built-in image needs a static testbed binary: the running program is not one, set %s or install Go to build it: %w", BinaryEnv, err)
	}
	dir, err := ModuleDir(ctx)
	if err != nil {
		return "", fmt.Errorf("find the source to build the server binary (run inside a module that requires %s, or set %s): %w", Module, BinaryEnv, err)
	}
	key, err := sourceHash(dir)
	if err != nil {
		return "", err
	}
	cache := o.CacheDir
	if cache == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("cache directory: %w", err)
		}
		cache = filepath.Join(base, "testbed", "bin")
	}
	out := filepath.Join(cache, "testbed-"+o.Arch+"-"+key[:16])
	if checkBinary(out, o.Arch) == nil {
		return out, nil
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		return "", fmt.Errorf("cache directory: %w", err)
	}
	if o.Logf != nil {
		o.Logf("building the static linux/%s testbed server binary from %s (once per source change)", o.Arch, dir)
	}
	// A name of its own per build: two builds at once in one process (two
	// parallel Starts) must not write, or rename away, each other's file.
	tf, err := os.CreateTemp(cache, filepath.Base(out)+".tmp*")
	if err != nil {
		return "", fmt.Errorf("cache directory: %w", err)
	}
	tmp := tf.Name()
	tf.Close()
	cmd := exec.CommandContext(ctx, goTool, "build", "-trimpath", "-ldflags=-s -w", "-o", tmp, "./cmd/testbed")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), buildEnv(o.Arch)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("build the testbed server binary in %s: %w: %s", dir, err, strings.TrimSpace(stderr.String()))
	}
	if err := os.Rename(tmp, out); err != nil {
		return "", fmt.Errorf("build the testbed server binary: %w", err)
	}
	return out, nil
}

// buildEnv is the environment, over the caller's, that builds the server
// for linux/arch: static, with the module's own go.sum, outside any
// workspace. 32-bit ARM is built for ARMv6, which ARMv7 engines run too
// (the toolchain would default to v7, which a v6 engine cannot run).
func buildEnv(arch string) []string {
	env := []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=" + arch, "GOFLAGS=-mod=readonly", "GOWORK=off"}
	if arch == "arm" {
		env = append(env, "GOARM=6")
	}
	return env
}

// ModuleDir returns the directory of testbed's module source as the go
// command in the working directory sees it (`go list -m`): testbed itself
// when working on it, a replace directive's folder, or the module cache
// for a module that requires testbed. The server binary is built from
// there; testbed's tests and the benchmark module find the source with it
// too.
func ModuleDir(ctx context.Context) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}", Module)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	dir := strings.TrimSpace(string(b))
	switch {
	case err != nil:
		return "", fmt.Errorf("go list -m %s: %w: %s", Module, err, strings.TrimSpace(stderr.String()))
	case dir == "":
		return "", fmt.Errorf("go list -m %s: no source directory (the module is not downloaded)", Module)
	}
	return dir, nil
}

// sourceHash hashes the Go files and go.mod/go.sum of the module (not tests,
// not testdata, not other modules) so the cached binary follows the source.
func sourceHash(dir string) (string, error) {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != dir && (name == "testdata" || strings.HasPrefix(name, ".") || name == "bench") {
				return filepath.SkipDir
			}
			if p != dir {
				if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil {
					return filepath.SkipDir
				}
			}
			return nil
		}
		if (strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, "_test.go")) || name == "go.mod" || name == "go.sum" {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("hash module source: %w", err)
	}
	sort.Strings(files)
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", runtime.Version())
	for _, p := range files {
		f, err := os.Open(p)
		if err != nil {
			return "", fmt.Errorf("hash module source: %w", err)
		}
		rel, _ := filepath.Rel(dir, p)
		fmt.Fprintf(h, "%s\n", rel)
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return "", fmt.Errorf("hash module source: %w", err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
