package testbed

import (
	"context"
	"fmt"
	"os"
	"testing"
)

// Main is for TestMain: it brings one testbed up for the whole package,
// stores it in *bed, runs the tests, takes the testbed down and returns the
// exit code for os.Exit. When the testbed does not come up, no test runs
// and the code is 1.
//
//	var bed *testbed.Bed
//
//	func TestMain(m *testing.M) { os.Exit(testbed.Main(m, &bed, testbed.WithServers("http"))) }
func Main(m *testing.M, bed **Bed, opts ...Option) int {
	b, err := New(context.Background(), opts...)
	if err != nil {
		fmt.Fprintf(os.Stderr, "testbed: %v\n", err)
		return 1
	}
	*bed = b
	code := m.Run()
	if err := b.Close(); err != nil {
		fmt.Fprintf(os.Stderr, "testbed: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}
