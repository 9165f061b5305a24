package compose

import (
	"slices"
	"testing"
)

func TestKnownKeys(t *testing.T) {
	for _, tt := range []struct {
		path []string
		has  []string
	}{
		{nil, []string{"services", "volumes", "secrets", "include"}},
		{[]string{"services", "web"}, []string{"ports", "image", "build", "restart", "links", "healthcheck"}},
		{[]string{"services", "web", "healthcheck"}, []string{"test", "interval", "start_period"}},
		{[]string{"services", "web", "build"}, []string{"context", "dockerfile", "target"}},
		{[]string{"services", "web", "deploy", "resources", "limits"}, []string{"cpus", "memory", "pids"}},
		{[]string{"services", "web", "volumes", "0"}, []string{"type", "source", "target", "volume"}},
	} {
		got := knownKeys(tt.path)
		for _, k := range tt.has {
			if !slices.Contains(got, k) {
				t.Errorf("knownKeys(%v) = %v, want it to hold %q", tt.path, got, k)
			}
		}
	}
	if got := suggestKey("portz", knownKeys([]string{"services", "web"})); got != ` (did you mean "ports"?)` {
		t.Errorf("suggestKey(portz) = %q", got)
	}
	if got := suggestKey("zzzzzzzz", knownKeys([]string{"services", "web"})); got != "" {
		t.Errorf("suggestKey(zzzzzzzz) = %q, want none", got)
	}
}
