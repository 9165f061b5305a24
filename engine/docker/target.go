package docker

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/testbed-dev/testbed/plan"
	"github.com/testbed-dev/testbed/probe"
	"github.com/testbed-dev/testbed/spec"
)

// ReadyProbe is the readiness probe up waited on for c, from its
// LabelReady; nil when c has none (running was enough).
func ReadyProbe(c Container) (*spec.Probe, error) {
	raw := c.Labels[plan.LabelReady]
	if raw == "" {
		return nil, nil
	}
	var p spec.Probe
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		return nil, fmt.Errorf("container %s: label %s: %w", c.Name, plan.LabelReady, err)
	}
	return &p, nil
}

// target is a listed container as a probe sees it, so that its readiness
// can be checked again after up (`testbed ps`).
func (d *Driver) target(ctx context.Context, name string) (probe.Target, error) {
	in := newInstance(d, &plan.Step{Container: name}, name)
	if err := in.inspect(ctx); err != nil {
		return nil, err
	}
	return in, nil
}
