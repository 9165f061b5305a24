package docker

import (
	"strings"
	"testing"

	"github.com/testbed-dev/testbed/engine"
	"github.com/testbed-dev/testbed/plan"
)

// ps never runs a server's exec probe again (a command of the user's may
// change what it checks), nor probes a server that is not running; both
// are decided before the engine is asked anything (the driver is nil).
func TestReadyWithoutProbing(t *testing.T) {
	for _, tc := range []struct {
		name, state, probe string
		ready              bool
		detail             string
	}{
		{"exec", "running", `{"exec":{"command":["/migrate"]}}`, true, "not run again"},
		{"exec in a list", "running", `{"all":[{"tcp":{"port":80}},{"exec":{"command":["/check"]}}]}`, true, "not run again"},
		{"stopped", "exited", `{"tcp":{"port":80}}`, false, "Exited (1)"},
		{"no probe", "running", "", true, "Up"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := engine.Server{Name: "p.web", Server: "web", State: tc.state, Labels: map[string]string{}}
			c.Status = map[string]string{"running": "Up 3 seconds", "exited": "Exited (1) 2 seconds ago"}[tc.state]
			if tc.probe != "" {
				c.Labels[plan.LabelReady] = tc.probe
			}
			var d *Driver
			ready, detail := d.Ready(t.Context(), c, nil)
			if ready != tc.ready || !strings.Contains(detail, tc.detail) {
				t.Errorf("Ready() = %v, %q, want ready=%v with %q", ready, detail, tc.ready, tc.detail)
			}
		})
	}
}
