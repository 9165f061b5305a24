package testbed_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	testbed "github.com/testbed-dev/testbed"
	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/internal/testenv"
	"github.com/testbed-dev/testbed/project"
)

// TestKeep: a kept testbed outlives its test, is recorded where the
// testbed command looks, and the log says how to take it down.
func TestKeep(t *testing.T) {
	remove := func(t *testing.T, driver, name string) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		c, err := project.Open(ctx, project.Options{Driver: driver})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if err := c.Down(ctx, name, project.DownOptions{}); err != nil {
			t.Errorf("Down() = %v", err)
		}
		if driver == "docker" {
			if left := testenv.Leftovers(t, testenv.Engine(t), name); len(left) > 0 {
				t.Errorf("left: %v", left)
			}
		}
	}
	tests := []struct{ driver string }{{"local"}, {"docker"}}
	for _, tt := range tests {
		t.Run(tt.driver, func(t *testing.T) {
			if testing.Short() {
				t.Skip("builds or uses the testbed command")
			}
			if tt.driver == "docker" {
				testenv.Engine(t)
			}
			t.Setenv("XDG_STATE_HOME", t.TempDir())
			var project, addr string
			f := runFake(t, 5*time.Minute, func(tb testing.TB) {
				bed := testbed.Start(tb, testbed.WithDriver(tt.driver), testbed.WithServers("echo"), testbed.WithKeep())
				project, addr = bed.Project(), bed.Addr("echo", "7")
			})
			if f.fatal != "" {
				t.Fatalf("Start() failed: %s", f.fatal)
			}
			dir, _ := endpoints.StateDir("", project)
			defer os.RemoveAll(dir)
			defer remove(t, tt.driver, project)
			if !strings.Contains(strings.Join(f.logs, "\n"), "testbed -p "+project+" down") {
				t.Errorf("logs = %q, want how to take %s down", f.logs, project)
			}
			if _, err := os.Stat(filepath.Join(dir, endpoints.FileName)); err != nil {
				t.Errorf("kept project's endpoints: %v", err)
			}
			c, err := net.DialTimeout("tcp", addr, 5*time.Second)
			if err != nil {
				t.Fatalf("after the test, the kept echo server at %s: %v", addr, err)
			}
			c.Close()
		})
	}
}
