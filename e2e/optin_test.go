package e2e

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	testbed "github.com/testbed-dev/testbed"
	"github.com/testbed-dev/testbed/internal/testenv"
)

// bothDrivers are the bothDrivers every opt-in kind is tested on.
var bothDrivers = []string{"local", "docker"}

// startKinds brings servers up through the library on driver, asked for by
// name without a spec (opt-in kinds join the default testbed that way); a
// docker run needs an engine (skipped without one, failed in CI).
func startKinds(t *testing.T, driver string, servers ...string) *testbed.Bed {
	t.Helper()
	if driver == "docker" {
		testenv.Engine(t)
	}
	return testbed.Start(t, testbed.WithDriver(driver), testbed.WithServers(servers...), testbed.WithTimeout(8*time.Minute))
}

// requireClient skips without a Debian-packaged client, or fails when CI is set.
func requireClient(t *testing.T, name, pkg string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not installed (Debian package %s)", name, pkg)
		}
		t.Skipf("%s is not installed (Debian package %s)", name, pkg)
	}
}

// tool runs a client with a deadline and returns its trimmed output.
func runClient(t *testing.T, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}
