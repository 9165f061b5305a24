package testbed

import (
	"context"
	"crypto/x509"
	"fmt"
	"os"

	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/engine/local/supervisor"
)

// startSupervised is a kept testbed on the local driver: the project's
// supervisor process (the testbed command's, as after `testbed up`), which
// outlives the test binary. The command is the static binary the docker
// driver uses too (built from this module's source once, cached).
func startSupervised(ctx context.Context, c *config, project string) (*Bed, error) {
	bin, err := supervisor.Executable(ctx, c.logf)
	if err != nil {
		return nil, fmt.Errorf("keep a local testbed: %w", err)
	}
	dir, err := endpoints.StateDir("", project)
	if err != nil {
		return nil, err
	}
	args, err := supervisor.Command{
		Project:   project,
		File:      c.specFile,
		Timeout:   c.timeout,
		BindLocal: c.bindLocal,
		Servers:   c.servers,
	}.Args()
	if err != nil {
		return nil, err
	}
	m, err := supervisor.Spawn(ctx, supervisor.SpawnOptions{Binary: bin, Args: args, Dir: dir})
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("project %s (local driver, kept): %w", project, err)
	}
	pem, err := os.ReadFile(m.CAFile)
	if err != nil {
		return nil, fmt.Errorf("project %s: %w", project, err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	c.logf("testbed: project %s up with the local driver in a supervisor process: %s", project, summary(m))
	return &Bed{logf: c.logf, project: project, dir: dir, m: m, pool: pool, keep: true}, nil
}
