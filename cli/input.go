package cli

import (
	"context"
	"fmt"
	"os"

	"github.com/testbed-dev/testbed/spec"
)

// loadInput reads a native spec file; legacy directories and compose files
// are recognised by their shape.
func loadInput(ctx context.Context, path string) (*spec.Testbed, []string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, nil, err
	}
	if fi.IsDir() {
		return nil, nil, fmt.Errorf("%s is a directory; give a spec file", path)
	}
	tb, err := spec.Load(path)
	return tb, nil, err
}
