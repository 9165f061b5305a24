package testbed

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/testbed-dev/testbed/catalog"
	"github.com/testbed-dev/testbed/spec"
	"github.com/testbed-dev/testbed/specfile"
)

// loadSpec reads the configured spec (or takes the default testbed),
// validates it and keeps the servers asked for.
func loadSpec(ctx context.Context, c *config, cat *catalog.Catalog) (*spec.Testbed, error) {
	tb := cat.Default()
	if c.specFile != "" {
		var err error
		if tb, _, err = specfile.Load(ctx, c.specFile, specfile.Options{}); err != nil {
			return nil, fmt.Errorf("spec %s: %w", c.specFile, err)
		}
	}
	if err := tb.Validate(catalog.SpecKinds(cat)); err != nil {
		return nil, fmt.Errorf("spec: %w", err)
	}
	if len(c.servers) > 0 {
		sub, err := tb.Subset(c.servers)
		if err != nil {
			return nil, fmt.Errorf("WithServers: %w", err)
		}
		return sub, nil
	}
	return tb, nil
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
