package local

import (
	"context"
	"errors"
	"fmt"

	"github.com/testbed-dev/testbed/plan"
	"github.com/testbed-dev/testbed/progress"
)

// Prepare implements lifecycle.Engine: it refuses a plan with a server that
// needs an image, then binds every port of every server, so that the proxy
// and socks servers know every destination before any server runs. Nothing
// is left bound when it fails.
func (e *Engine) Prepare(ctx context.Context, p *plan.Plan, _ progress.Sink) (err error) {
	if err := Check(p); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	e.mu.Lock()
	if _, ok := e.projects[p.Project]; ok {
		e.mu.Unlock()
		return fmt.Errorf("project %s is already running on this local engine", p.Project)
	}
	pr := &project{servers: map[string]*server{}}
	e.projects[p.Project] = pr // reserved: a second Prepare of the project fails
	e.mu.Unlock()
	defer func() {
		if err != nil {
			var errs []error
			for _, srv := range pr.servers {
				errs = append(errs, srv.bound.Close())
			}
			e.mu.Lock()
			delete(e.projects, p.Project)
			e.mu.Unlock()
			err = errors.Join(append([]error{err}, errs...)...)
		}
	}()
	for _, st := range p.Steps() {
		b, err := bindStep(st)
		if err != nil {
			return err
		}
		pr.servers[st.Server.Name] = newServer(st, b, e.opts.LogLines)
	}
	pol := policy(p, pr.servers)
	pol.Logger = e.log
	for _, srv := range pr.servers {
		srv.policy = pol
	}
	return nil
}
