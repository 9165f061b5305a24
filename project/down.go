package project

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/testbed-dev/testbed/engine"
	"github.com/testbed-dev/testbed/servers/testca"
)

// DownOptions tune Down.
type DownOptions struct {
	Servers []string // only these; nil = the whole project
	Images  bool     // also the images testbed built for it
	// Removed, when set, is told each image removed.
	Removed func(image string)
}

// Down removes a project (kept marker first, so a down killed half-way is
// finished by reap) and its state directory, or only some of its servers,
// after which the endpoints no longer list them. It takes the project's
// lock: a project being brought up is refused, untouched.
func (c *Core) Down(ctx context.Context, project string, o DownOptions) (err error) {
	lock, err := c.lock(ctx, project, roleDown, "down did")
	if err != nil {
		return err
	}
	whole := len(o.Servers) == 0
	defer func() { lock.Unlock(whole && err == nil) }()
	dir, err := c.StateDir(project)
	if err != nil {
		return err
	}
	if !whole {
		have, err := c.drv.Servers(ctx, project)
		if err != nil {
			return err
		}
		var missing []string
		for _, s := range o.Servers {
			if !slices.ContainsFunc(have, func(h engine.Server) bool { return h.Server == s }) {
				missing = append(missing, s)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("project %s has no server %s running", project, strings.Join(missing, ", "))
		}
		if err := c.drv.Remove(ctx, engine.RemoveOptions{Project: project, Servers: o.Servers}); err != nil {
			return err
		}
		_, err = c.endpoints(ctx, project, dir, "")
		return err
	}
	if err := c.drv.Remove(ctx, engine.RemoveOptions{Project: project, Images: o.Images, Removed: o.Removed}); err != nil {
		return err
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove state %s: %w", dir, err)
	}
	return nil
}

// Resources lists what the driver holds of a project (what
// --keep-on-failure kept, for one).
func (c *Core) Resources(ctx context.Context, project string) ([]engine.Resource, error) {
	return c.drv.Resources(ctx, project)
}

// Exists reports whether the driver holds anything of a project, or its
// state directory is there: what down would remove.
func (c *Core) Exists(ctx context.Context, project string) (bool, error) {
	res, err := c.drv.Resources(ctx, project)
	if err != nil {
		return false, err
	}
	if len(res) > 0 {
		return true, nil
	}
	dir, err := c.StateDir(project)
	if err != nil {
		return false, err
	}
	_, err = os.Stat(dir)
	return err == nil, nil
}

// Row is one server in Status.
type Row struct {
	engine.Server
	// Ready: the server answers its readiness probe now (checked by
	// Status); ReadyDetail says what was checked, or why it is not ready.
	Ready       bool
	ReadyDetail string
}

// StatusTimeout bounds the readiness checks of one Status.
const StatusTimeout = 5 * time.Second

// Status lists a project's servers ("" = every project's) as the driver
// has them, each with its readiness checked once, in parallel.
func (c *Core) Status(ctx context.Context, project string) ([]Row, error) {
	list, err := c.drv.Servers(ctx, project)
	if err != nil {
		return nil, err
	}
	sort.SliceStable(list, func(i, j int) bool {
		if list[i].Project != list[j].Project {
			return list[i].Project < list[j].Project
		}
		return list[i].Server < list[j].Server
	})
	ctx, cancel := context.WithTimeout(ctx, StatusTimeout)
	defer cancel()
	rows := make([]Row, len(list))
	pools := map[string]*x509.CertPool{}
	for _, s := range list {
		if _, ok := pools[s.Project]; !ok {
			pools[s.Project] = c.projectCA(s.Project)
		}
	}
	var wg sync.WaitGroup
	for i, s := range list {
		rows[i].Server = s
		wg.Go(func() { rows[i].Ready, rows[i].ReadyDetail = c.drv.Ready(ctx, s, pools[s.Project]) })
	}
	wg.Wait()
	return rows, nil
}

// projectCA is the pool of a project's test CA, or nil when there is none.
func (c *Core) projectCA(project string) *x509.CertPool {
	dir, err := c.StateDir(project)
	if err != nil {
		return nil
	}
	pem, err := os.ReadFile(testca.CertFile(dir))
	if err != nil {
		return nil
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil
	}
	return pool
}

// Servers are the names of a project's servers on the driver.
func (c *Core) Servers(ctx context.Context, project string) ([]string, error) {
	list, err := c.drv.Servers(ctx, project)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range list {
		out = append(out, s.Server)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("project %s has no servers on the %s driver", project, c.drv.Name())
	}
	sort.Strings(out)
	return out, nil
}

// Logs copies a server's output.
func (c *Core) Logs(ctx context.Context, project, server string, o engine.LogOptions) error {
	return c.drv.Logs(ctx, project, server, o)
}

// Exec runs argv in a server and returns its exit status.
func (c *Core) Exec(ctx context.Context, project, server string, argv []string, stdout, stderr io.Writer) (int, error) {
	return c.drv.Exec(ctx, project, server, argv, stdout, stderr)
}

// ErrUnsupported is the drivers' error for what they cannot do.
var ErrUnsupported = engine.ErrUnsupported

// LogOptions tune Logs.
type LogOptions = engine.LogOptions
