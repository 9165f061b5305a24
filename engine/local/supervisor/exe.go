package supervisor

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"

	"github.com/testbed-dev/testbed/image"
)

// Executable returns a testbed command that can run as a supervisor: this
// program when it is testbed's own command; otherwise (a test binary, a
// program using the library) on Linux the static binary that
// image.ServerBinary finds ($TESTBED_SERVER_BINARY) or builds from the
// module source, cached.
func Executable(ctx context.Context, logf func(string, ...any)) (string, error) {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Path == image.Module+"/cmd/testbed" {
		self, err := os.Executable()
		if err != nil {
			return "", fmt.Errorf("find the testbed executable: %w", err)
		}
		return self, nil
	}
	if runtime.GOOS != "linux" {
		return "", fmt.Errorf("a local supervisor needs the testbed command; this program is not it (set %s on Linux, or run `testbed up` itself)", image.BinaryEnv)
	}
	return image.ServerBinary(ctx, image.BinaryOptions{Logf: logf})
}
