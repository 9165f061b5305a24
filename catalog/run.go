package catalog

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// servesOn pairs each port's socket with the function that serves it, by
// port key ("80/tcp"); a port without a socket is left out.
func servesOn[S any](socks map[string]S, serve map[string]func(S) error) []func() error {
	var out []func() error
	for key, fn := range serve {
		if s, ok := socks[key]; ok {
			out = append(out, func() error { return fn(s) })
		}
	}
	return out
}

// runServersUntilDone runs every serve function until ctx is done or one of them
// fails, then calls closeFn and waits for all of them. It returns the first
// serve error, or nil when ctx ended the run.
func runServersUntilDone(ctx context.Context, kind string, serves []func() error, closeFn func() error) error {
	if len(serves) == 0 {
		_ = closeFn()
		return fmt.Errorf("%s: no listeners to serve", kind)
	}
	errc := make(chan error, len(serves))
	var wg sync.WaitGroup
	for _, serve := range serves {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := serve()
			if err == nil && ctx.Err() == nil {
				err = errors.New("server stopped unexpectedly")
			}
			errc <- err
		}()
	}
	var first error
	select {
	case <-ctx.Done():
	case first = <-errc:
	}
	cerr := closeFn()
	wg.Wait()
	if first != nil {
		return fmt.Errorf("%s: %w", kind, first)
	}
	if cerr != nil {
		return fmt.Errorf("%s: %w", kind, cerr)
	}
	return nil
}
