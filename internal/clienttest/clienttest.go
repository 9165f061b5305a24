// Package clienttest runs clients that are not testbed's own (Debian
// packaged programs and libraries) against testbed's servers, for the
// tests of the servers and of the kinds. A client that is not installed
// skips the test, or fails it when CI is set (.ci/run installs them all).
package clienttest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// Tool returns the path of the program name, from the Debian package pkg.
func Tool(t testing.TB, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		missing(t, name, pkg)
	}
	return path
}

// Python returns a python3 that can import module (from the Debian
// package pkg): Debian's own first, where python3-* packages install.
func Python(t testing.TB, module, pkg string) string {
	t.Helper()
	for _, py := range []string{"/usr/bin/python3", "python3"} {
		path, err := exec.LookPath(py)
		if err == nil && exec.Command(path, "-c", "import "+module).Run() == nil {
			return path
		}
	}
	missing(t, "python3 module "+module, pkg)
	return ""
}

// WebSocket runs websocket_client.py (Python's websockets library) against
// base ("ws://host:port", or "wss://..." trusting caFile) and returns its
// output, "ok" when every check passed.
func WebSocket(t testing.TB, base, caFile string) (string, error) {
	t.Helper()
	py := Python(t, "websockets", "python3-websockets")
	_, file, _, _ := runtime.Caller(0)
	args := []string{filepath.Join(filepath.Dir(file), "websocket_client.py"), base}
	if caFile != "" {
		args = append(args, caFile)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, py, args...).CombinedOutput()
	return string(out), err
}

func missing(t testing.TB, what, pkg string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not installed and CI is set (Debian package %s; .ci/run installs it)", what, pkg)
	}
	t.Skipf("%s is not installed (Debian package %s)", what, pkg)
}
