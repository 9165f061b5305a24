// Package specfile reads a spec in whichever format it is: a native testbed
// file, a legacy per-server JSON directory, or a compose file. The CLI and
// the library both find their specs through it.
package specfile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/testbed-dev/testbed/spec"
	"github.com/testbed-dev/testbed/spec/compose"
	"github.com/testbed-dev/testbed/spec/legacy"
)

// Options shape how compose files are read.
type Options struct {
	Profiles             []string // compose profiles to enable
	PublishAllInterfaces bool     // keep 0.0.0.0 host IPs of compose ports
}

// NativeNames are the native file names looked for in a directory, in order.
var NativeNames = []string{"testbed.yaml", "testbed.yml", "testbed.json"}

// ComposeNames are the file names compose itself looks for, in its order.
var ComposeNames = []string{"compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"}

// Load reads the spec at path, recognising its format:
//   - a directory: its testbed.yaml (or .yml, .json), else its compose
//     file, else it is a legacy directory;
//   - a file named one of NativeNames: native; one of ComposeNames: compose;
//   - a config.json next to legacy server folders: that legacy directory;
//   - any other file by its content: a top-level mapping with
//     "servers" is native, one with "services" and no "servers" is compose;
//   - a file the content does not decide: compose when its name holds
//     "compose" and ends in .yml or .yaml, else native.
//
// A file read as native that fails and has a top-level "services" key gets
// one more problem saying that it looks like a compose file.
//
// The returned strings are warnings (what testbed does differently from
// compose). Load does not validate: call [spec.Testbed.Validate].
func Load(ctx context.Context, path string, o Options) (*spec.Testbed, []string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if fi.IsDir() {
		for _, n := range NativeNames {
			if p := filepath.Join(path, n); isFile(p) {
				tb, err := loadNative(p)
				return tb, nil, err
			}
		}
		for _, n := range ComposeNames {
			if p := filepath.Join(path, n); isFile(p) {
				return loadCompose(ctx, p, o)
			}
		}
		tb, err := legacy.Load(path)
		return tb, nil, err
	}
	name := strings.ToLower(filepath.Base(path))
	switch {
	case slices.Contains(NativeNames, name):
		tb, err := loadNative(path)
		return tb, nil, err
	case slices.Contains(ComposeNames, name):
		return loadCompose(ctx, path, o)
	case name == legacy.ConfigName && isLegacyDir(filepath.Dir(path)):
		tb, err := legacy.Load(filepath.Dir(path))
		return tb, nil, err
	}
	switch sniff(path).format {
	case spec.FormatNative:
		tb, err := loadNative(path)
		return tb, nil, err
	case spec.FormatCompose:
		return loadCompose(ctx, path, o)
	}
	if strings.Contains(name, "compose") && (strings.HasSuffix(name, ".yml") || strings.HasSuffix(name, ".yaml")) {
		return loadCompose(ctx, path, o)
	}
	tb, err := loadNative(path)
	return tb, nil, err
}

// loadNative reads a native spec. When that fails and the file has a
// top-level "services" key, the error also says it looks like a compose file.
func loadNative(path string) (*spec.Testbed, error) {
	tb, err := spec.Load(path)
	if err == nil || !errors.Is(err, spec.ErrInvalid) {
		return tb, err
	}
	k := sniff(path)
	if k.services == 0 {
		return nil, err
	}
	file, aerr := filepath.Abs(path) // as spec.Load names it
	if aerr != nil {
		file = path
	}
	msg := fmt.Sprintf(`this looks like a compose file (a top-level "services" key), but the name %s makes it a native spec: rename it (compose.yaml, say) to read it as a compose file`, spec.Quote(filepath.Base(path)))
	if k.servers != 0 {
		msg = `this has a top-level "services" key like a compose file and "servers" like a native spec; it was read as a native spec, which has no "services": keep one of the two`
	}
	return nil, errors.Join(&spec.Error{File: file, Line: k.services, Msg: msg}, err)
}

// Find returns the spec file testbed uses when none is named: the first of
// NativeNames in dir, or "" for the built-in default testbed.
func Find(dir string) string {
	for _, n := range NativeNames {
		if p := filepath.Join(dir, n); isFile(p) {
			return p
		}
	}
	return ""
}

func loadCompose(ctx context.Context, path string, o Options) (*spec.Testbed, []string, error) {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	tb, warnings, err := compose.Load(ctx, []string{path}, compose.Options{
		Profiles:             o.Profiles,
		Env:                  env,
		PublishAllInterfaces: o.PublishAllInterfaces,
	})
	var out []string
	for _, w := range warnings {
		out = append(out, w.String())
	}
	return tb, out, err
}

// isLegacyDir: a folder with a subfolder that holds config.json.
func isLegacyDir(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if e.IsDir() && isFile(filepath.Join(dir, e.Name(), legacy.ConfigName)) {
			return true
		}
	}
	return false
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}
