package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/testbed-dev/testbed/plan"
	"github.com/testbed-dev/testbed/spec"
)

// ResetEach is the common part of a Resetter: it takes the servers the
// caller listed (o.Servers) or those list returns, refuses a project with
// none or with a server that is not running, leaves alone those whose spec
// says reset: none or recreate (recreate is the project core's: it makes
// the server anew before the reset), and resets the others at once with
// reset, given the server and its LabelReset policy. It returns every
// failure, each named by its server.
func ResetEach(ctx context.Context, project string, o ResetOptions,
	list func(ctx context.Context, project string) ([]Server, error),
	reset func(ctx context.Context, s Server, policy string) error) error {
	servers := o.Servers
	if servers == nil {
		var err error
		if servers, err = list(ctx, project); err != nil {
			return err
		}
	}
	if len(servers) == 0 {
		return fmt.Errorf("project %s has no servers", project)
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, s := range servers {
		if !s.Running {
			errs = append(errs, fmt.Errorf("server %s is %s, not running", s.Server, s.State))
			continue
		}
		policy := s.Labels[plan.LabelReset]
		if policy == spec.ResetNone || policy == spec.ResetRecreate {
			continue
		}
		wg.Go(func() {
			if err := reset(ctx, s, policy); err != nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("server %s: %w", s.Server, err))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
