package local

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/testbed-dev/testbed/catalog"
)

// Reset puts every server of a project that runs in this engine back to
// its seeded state (catalog.Kind.RunResettable), all at once, on the same
// addresses.
func (e *Engine) Reset(ctx context.Context, projectName string) error {
	pr := e.project(projectName)
	if pr == nil {
		return fmt.Errorf("project %s does not run in this process", projectName)
	}
	names := make([]string, 0, len(pr.servers))
	for n := range pr.servers {
		names = append(names, n)
	}
	sort.Strings(names)
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, n := range names {
		srv := pr.servers[n]
		wg.Go(func() {
			if err := srv.reset(ctx); err != nil {
				errs[i] = fmt.Errorf("server %s: %w", n, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// reset restarts a running server's kind in its seed.
func (s *server) reset(ctx context.Context) error {
	s.mu.Lock()
	started := s.started && s.cancel != nil
	s.mu.Unlock()
	if !started {
		return errors.New("not started")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-s.done:
			cancel() // it stopped: nobody takes the request
		case <-ctx.Done():
		}
	}()
	if err := catalog.Reset(ctx, s.resets); err != nil {
		select {
		case <-s.done:
			return errors.New("it has stopped")
		default:
		}
		return err
	}
	return nil
}
