package supervisor_test

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/testbed-dev/testbed/engine/local/supervisor"
)

func TestCommandArgs(t *testing.T) {
	abs, err := filepath.Abs("specs/testbed.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   supervisor.Command
		want []string
	}{
		{"minimal", supervisor.Command{Project: "p"}, []string{"--driver", "local", "-p", "p", "--progress", "plain", "supervise"}},
		{"every field", supervisor.Command{
			Project: "p", File: "specs/testbed.yaml", StateDir: "/state", LogLevel: "debug",
			Profiles: []string{"a", "b"}, PublishAll: true, Timeout: 5 * time.Second, BindLocal: true, Servers: []string{"web", "db"},
		}, []string{
			"--driver", "local", "-p", "p", "--log-level", "debug", "--progress", "plain",
			"--file", abs, "--state-dir", "/state", "--profile", "a", "--profile", "b", "--publish-all-interfaces",
			"supervise", "--timeout", "5s", "--bind-local", "web", "db",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.in.Args()
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("Args() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
