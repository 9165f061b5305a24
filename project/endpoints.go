package project

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"reflect"

	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/engine"
	"github.com/testbed-dev/testbed/plan"
	"github.com/testbed-dev/testbed/servers/testca"
)

type bytesBuffer = bytes.Buffer

// ErrNotUp is wrapped by Endpoints' error for a project with no servers.
var ErrNotUp = endpoints.ErrNotUp

// Endpoints are the endpoints of a project's running servers, read from
// the driver. The endpoints cache in the state directory is rewritten when
// it says otherwise (a `down SERVER`, a crashed run, a reboot).
func (c *Core) Endpoints(ctx context.Context, project string) (*endpoints.Manifest, error) {
	dir, err := c.StateDir(project)
	if err != nil {
		return nil, err
	}
	m, err := c.endpoints(ctx, project, dir, "")
	if err != nil {
		return nil, err
	}
	if len(m.Servers) > 0 {
		if _, err := os.Stat(testca.CertFile(dir)); err != nil {
			// Up always makes the CA before it starts anything: another
			// state directory brought these servers up.
			return nil, usagef("project %s is up, recorded in another state directory than %s; use that --state-dir (or `testbed -p %s down` and up again)", project, dir, project)
		}
	}
	if len(m.Servers) == 0 {
		return nil, fmt.Errorf("project %s is not up on the %s driver; run `testbed up` first: %w", project, c.drv.Name(), ErrNotUp)
	}
	return m, nil
}

// endpoints builds the manifest from the driver and syncs the cache.
func (c *Core) endpoints(ctx context.Context, project, dir, domain string) (*endpoints.Manifest, error) {
	list, err := c.drv.Servers(ctx, project)
	if err != nil {
		return nil, err
	}
	return c.manifest(list, project, dir, domain)
}

// manifest builds the manifest from the servers listed, and syncs the
// cache.
func (c *Core) manifest(list []engine.Server, project, dir, domain string) (*endpoints.Manifest, error) {
	cached, _ := endpoints.Read(dir)
	m := &endpoints.Manifest{Project: project, Driver: c.drv.Name(), Domain: domain, CAFile: testca.CertFile(dir), Servers: map[string]*endpoints.Server{}}
	for _, s := range list {
		if !s.Running || s.Endpoint == nil {
			continue
		}
		m.Servers[s.Server] = s.Endpoint
		if d := s.Labels[plan.LabelDomain]; d != "" && m.Domain == "" {
			m.Domain = d
		}
	}
	if m.Domain == "" && cached != nil {
		m.Domain = cached.Domain
	}
	if len(m.Servers) == 0 {
		return m, nil
	}
	if _, err := os.Stat(testca.CertFile(dir)); err != nil {
		return m, nil // not this state directory's project: leave it alone
	}
	if cached == nil || !reflect.DeepEqual(cached, m) {
		if err := endpoints.Write(dir, m); err != nil {
			return nil, err
		}
	}
	return m, nil
}
