package testbed

import (
	"context"
	"fmt"

	"github.com/testbed-dev/testbed/catalog"
	"github.com/testbed-dev/testbed/spec"
	"github.com/testbed-dev/testbed/specfile"
)

// loadSpec reads the configured spec (or takes the default testbed),
// validates it and keeps the servers asked for.
func loadSpec(ctx context.Context, c *config, cat *catalog.Catalog) (*spec.Testbed, error) {
	tb := cat.Default()
	if len(c.servers) > 0 {
		tb = cat.Every() // opt-in kinds are there when named
	}
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
