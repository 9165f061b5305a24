package socks

import (
	"net"
	"sync"
)

// tracker counts running connection handlers and remembers open
// connections, so that Close can end them and wait for the handlers.
type tracker struct {
	mu     sync.Mutex
	closed bool
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup
}

// begin registers a running handler; false after shutdown.
func (t *tracker) begin() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	t.wg.Add(1)
	return true
}

// end marks a handler registered with begin as returned.
func (t *tracker) end() { t.wg.Done() }

// add remembers c until remove; false (and c is to be closed by the caller)
// after shutdown.
func (t *tracker) add(c net.Conn) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	if t.conns == nil {
		t.conns = map[net.Conn]struct{}{}
	}
	t.conns[c] = struct{}{}
	return true
}

func (t *tracker) remove(c net.Conn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.conns, c)
}

// shutdown refuses new handlers, closes the remembered connections and
// waits for every handler to return.
func (t *tracker) shutdown() {
	t.mu.Lock()
	t.closed = true
	for c := range t.conns {
		c.Close()
	}
	t.mu.Unlock()
	t.wg.Wait()
}
