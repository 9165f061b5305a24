package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	"github.com/testbed-dev/testbed/spec"
	"github.com/testbed-dev/testbed/spec/compose"
	"github.com/testbed-dev/testbed/spec/legacy"
)

// inputOptions shape how compose files are read.
type inputOptions struct {
	profiles             []string
	publishAllInterfaces bool
}

// composeNames are the file names compose itself looks for, in its order.
var composeNames = []string{"compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"}

// loadInput reads the spec at path, recognising its format:
//   - a compose file (compose.yaml, docker-compose.yml, ... or any file
//     whose name holds "compose"), or a directory holding one;
//   - a legacy directory: config.json and/or <server>/config.json folders
//     (or the path of such a config.json);
//   - otherwise a native testbed file (YAML or JSON), or a directory
//     holding testbed.yaml / testbed.json.
func loadInput(ctx context.Context, path string, o inputOptions) (*spec.Testbed, []string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if fi.IsDir() {
		for _, n := range []string{"testbed.yaml", "testbed.yml", "testbed.json"} {
			if p := filepath.Join(path, n); isFile(p) {
				tb, err := spec.Load(p)
				return tb, nil, err
			}
		}
		for _, n := range composeNames {
			if p := filepath.Join(path, n); isFile(p) {
				return loadCompose(ctx, p, o)
			}
		}
		tb, err := legacy.Load(path)
		return tb, nil, err
	}
	base := strings.ToLower(filepath.Base(path))
	switch {
	case strings.Contains(base, "compose") && (strings.HasSuffix(base, ".yml") || strings.HasSuffix(base, ".yaml")):
		return loadCompose(ctx, path, o)
	case base == "config.json" && isLegacyDir(filepath.Dir(path)):
		tb, err := legacy.Load(filepath.Dir(path))
		return tb, nil, err
	}
	tb, err := spec.Load(path)
	return tb, nil, err
}

func loadCompose(ctx context.Context, path string, o inputOptions) (*spec.Testbed, []string, error) {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	tb, warnings, err := compose.Load(ctx, []string{path}, compose.Options{
		Profiles:             o.profiles,
		Env:                  env,
		PublishAllInterfaces: o.publishAllInterfaces,
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
		if e.IsDir() && isFile(filepath.Join(dir, e.Name(), "config.json")) {
			return true
		}
	}
	return false
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}
