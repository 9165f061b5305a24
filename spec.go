package testbed

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/testbed-dev/testbed/catalog"
	"github.com/testbed-dev/testbed/spec"
	"github.com/testbed-dev/testbed/spec/compose"
	"github.com/testbed-dev/testbed/spec/legacy"
)

// loadSpec reads the configured spec (or takes the default testbed),
// validates it and keeps the servers asked for.
func loadSpec(ctx context.Context, c *config, cat *catalog.Catalog) (*spec.Testbed, error) {
	tb := cat.Default()
	if c.specFile != "" {
		var err error
		if tb, err = loadInput(ctx, c.specFile); err != nil {
			return nil, fmt.Errorf("spec %s: %w", c.specFile, err)
		}
	}
	if err := tb.Validate(catalog.SpecKinds(cat)); err != nil {
		return nil, fmt.Errorf("spec: %w", err)
	}
	if len(c.servers) > 0 {
		return subset(tb, c.servers)
	}
	return tb, nil
}

// loadInput recognises the spec's format as the testbed command does
// (cli/input.go): a compose file or a directory holding one, a legacy
// directory, or a native testbed file or a directory holding testbed.yaml.
func loadInput(ctx context.Context, path string) (*spec.Testbed, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		for _, n := range []string{"testbed.yaml", "testbed.yml", "testbed.json"} {
			if p := filepath.Join(path, n); isFile(p) {
				return spec.Load(p)
			}
		}
		for _, n := range []string{"compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"} {
			if p := filepath.Join(path, n); isFile(p) {
				return loadCompose(ctx, p)
			}
		}
		return legacy.Load(path)
	}
	base := strings.ToLower(filepath.Base(path))
	if strings.Contains(base, "compose") && (strings.HasSuffix(base, ".yml") || strings.HasSuffix(base, ".yaml")) {
		return loadCompose(ctx, path)
	}
	if base == "config.json" {
		if tb, err := legacy.Load(filepath.Dir(path)); err == nil {
			return tb, nil
		}
	}
	return spec.Load(path)
}

func loadCompose(ctx context.Context, path string) (*spec.Testbed, error) {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	tb, _, err := compose.Load(ctx, []string{path}, compose.Options{Env: env})
	return tb, err
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// subset keeps the named servers and every server they depend on.
func subset(tb *spec.Testbed, names []string) (*spec.Testbed, error) {
	keep := map[string]bool{}
	var add func(name string) error
	add = func(name string) error {
		s := tb.Server(name)
		if s == nil {
			var have []string
			for _, s := range tb.Servers {
				have = append(have, s.Name)
			}
			return fmt.Errorf("WithServers: no server %q (have %s)", name, strings.Join(have, ", "))
		}
		if keep[name] {
			return nil
		}
		keep[name] = true
		for _, d := range s.DependsOn {
			if err := add(d.Name); err != nil {
				return err
			}
		}
		return nil
	}
	for _, n := range names {
		if err := add(n); err != nil {
			return nil, err
		}
	}
	out := *tb
	out.Servers = nil
	for _, s := range tb.Servers {
		if keep[s.Name] {
			out.Servers = append(out.Servers, s)
		}
	}
	return &out, nil
}

// sortedKeys sorts port keys by number, then protocol ("7/tcp" < "13/tcp").
func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		ni, pi, _ := strings.Cut(out[i], "/")
		nj, pj, _ := strings.Cut(out[j], "/")
		a, _ := strconv.Atoi(ni)
		b, _ := strconv.Atoi(nj)
		if a != b {
			return a < b
		}
		return pi < pj
	})
	return out
}
