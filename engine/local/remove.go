package local

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/testbed-dev/testbed/lifecycle"
)

// Remove implements lifecycle.Engine: it stops every server of the project
// and waits until each has returned, so every port is closed when it
// returns. A project the engine does not hold is not an error. The owner
// and images options mean nothing here: an engine holds one run's servers.
func (e *Engine) Remove(ctx context.Context, o lifecycle.RemoveOptions) error {
	e.mu.Lock()
	pr := e.projects[o.Project]
	e.mu.Unlock()
	if pr == nil {
		return nil
	}
	for _, srv := range pr.servers {
		srv.stop()
	}
	var stuck []string
	for name, srv := range pr.servers {
		select {
		case <-srv.done:
		case <-ctx.Done():
			stuck = append(stuck, name)
		}
	}
	if len(stuck) > 0 {
		sort.Strings(stuck)
		return fmt.Errorf("remove project %s: %s did not stop: %w", o.Project, strings.Join(stuck, ", "), context.Cause(ctx))
	}
	e.mu.Lock()
	if e.projects[o.Project] == pr {
		delete(e.projects, o.Project)
	}
	e.mu.Unlock()
	return nil
}

// Logs returns the last n lines (n <= 0: all kept) of a server's log, for
// `testbed logs` and for tests that failed.
func (e *Engine) Logs(project, server string, n int) (string, error) {
	pr := e.project(project)
	if pr == nil {
		return "", fmt.Errorf("project %s is not running on this local engine", project)
	}
	srv := pr.servers[server]
	if srv == nil {
		return "", fmt.Errorf("project %s has no server %q", project, server)
	}
	return srv.log.Tail(n), nil
}

// Servers lists the servers of a project the engine holds, sorted.
func (e *Engine) Servers(project string) []string {
	pr := e.project(project)
	if pr == nil {
		return nil
	}
	out := make([]string, 0, len(pr.servers))
	for n := range pr.servers {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
