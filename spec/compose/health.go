package compose

import (
	"fmt"
	"math"
	"time"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/testbed-dev/testbed/spec"
)

// maxHealthInterval is the longest interval testbed lets the engine wait
// between healthchecks: readiness is polled quickly, not at the compose
// interval.
const maxHealthInterval = 500 * time.Millisecond

// health maps healthcheck: the engine runs the test, and the server is
// ready once the engine reports it healthy. Timeout and start period are
// kept; the interval is at most maxHealthInterval.
func (m *mapper) health(s *spec.Server, svc types.ServiceConfig) {
	hc := svc.HealthCheck
	if hc == nil {
		return
	}
	if hc.Disable || len(hc.Test) == 1 && hc.Test[0] == "NONE" {
		s.Health = &spec.Health{Test: []string{"NONE"}} // also turns off the image's own
		return
	}
	switch {
	case len(hc.Test) == 0:
		m.errorf(s.Name, "healthcheck", "healthcheck.test", "healthcheck without a test: testbed needs the test to know when the server is ready")
		return
	case hc.Test[0] != "CMD" && hc.Test[0] != "CMD-SHELL" || len(hc.Test) < 2:
		m.errorf(s.Name, "healthcheck", "healthcheck.test", "want [\"CMD\", argv...], [\"CMD-SHELL\", line] or a string, got %s", quote(fmt.Sprintf("%q", []string(hc.Test))))
		return
	}
	h := &spec.Health{Test: append([]string(nil), hc.Test...), Interval: maxHealthInterval}
	if hc.Interval != nil && time.Duration(*hc.Interval) > 0 && time.Duration(*hc.Interval) < maxHealthInterval {
		h.Interval = time.Duration(*hc.Interval)
	}
	if hc.Retries != nil {
		h.Retries = int(min(*hc.Retries, math.MaxInt32)) // Validate bounds it
	}
	if hc.Timeout != nil {
		h.Timeout = time.Duration(*hc.Timeout)
	}
	if hc.StartPeriod != nil {
		h.StartPeriod = time.Duration(*hc.StartPeriod)
	}
	if hc.StartInterval != nil {
		m.warnf(s.Name, "healthcheck", "healthcheck.start_interval", "ignored: testbed runs the check every %s at most from the start", maxHealthInterval)
	}
	s.Health = h
	s.Ready = &spec.Probe{Health: true}
}

// hasHealth reports whether s has a healthcheck of its own in the file.
func hasHealth(s *spec.Server) bool {
	return s.Health != nil && len(s.Health.Test) > 0 && s.Health.Test[0] != "NONE"
}
