package probe

import (
	"context"
	"errors"
	"fmt"
)

// Health is ready when the engine's own healthcheck reports "healthy". The
// target must be a HealthReporter.
//
// "unhealthy" is an error Wait retries until its timeout, since the engine
// keeps running the healthcheck and the server may recover; a container
// without a healthcheck ("none") is a permanent error.
type Health struct{}

var _ Probe = Health{}

// Health states a HealthReporter returns.
const (
	Healthy   = "healthy"
	Unhealthy = "unhealthy"
	Starting  = "starting"
	NoHealth  = "none"
)

// Check asks the target for the healthcheck's status.
func (Health) Check(ctx context.Context, t Target) error {
	h, ok := t.(HealthReporter)
	if !ok {
		return unsupported(t, "report its healthcheck", "HealthReporter")
	}
	s, err := h.Health(ctx)
	if err != nil {
		return fmt.Errorf("health: %w", err)
	}
	switch s {
	case Healthy:
		return nil
	case Unhealthy:
		return errors.New("the container is unhealthy")
	case Starting:
		return errors.New("the healthcheck is starting")
	case NoHealth, "":
		return Permanent(errors.New("the container has no healthcheck"))
	default:
		return fmt.Errorf("unknown health status %q", s)
	}
}

// String is "health".
func (Health) String() string { return "health" }
