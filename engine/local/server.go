package local

import (
	"context"
	"sync"

	"github.com/testbed-dev/testbed/plan"
	"github.com/testbed-dev/testbed/servers/netpolicy"
)

// server is one built-in server of a project: its sockets from Prepare,
// then its running kind.
type server struct {
	step   *plan.Step
	bound  *bound
	policy *netpolicy.Policy
	log    *ring
	resets chan chan<- error // Reset asks the running kind to restart

	mu      sync.Mutex
	started bool
	cancel  context.CancelFunc
	done    chan struct{} // closed when Run has returned (or at once if never started)
	code    int
	err     error
}

func newServer(st *plan.Step, b *bound, lines int) *server {
	return &server{step: st, bound: b, log: newRing(lines), done: make(chan struct{}), resets: make(chan chan<- error)}
}

// stop cancels a running server, or closes the sockets of one that never
// started; wait on done afterwards.
func (s *server) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		s.cancel()
		return
	}
	s.started = true // never to start now
	_ = s.bound.Close()
	close(s.done)
}
