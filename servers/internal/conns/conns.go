// Package conns is what the relaying servers (proxy, socks) share: a
// two-way byte relay that keeps half-closes working, and a tracker of
// running handlers and open connections so that Close can end them and wait.
package conns

import (
	"io"
	"net"
	"sync"
)

// Relay copies bytes both ways between a and b until both directions have
// ended, then closes both. When one side stops sending, the other side's
// write half is closed so that half-closed connections keep working; on an
// error both connections are closed at once.
func Relay(a, b net.Conn) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		pipe(b, a)
	}()
	pipe(a, b)
	wg.Wait()
	a.Close()
	b.Close()
}

// pipe copies src to dst, then half-closes dst (or closes both on an error).
func pipe(dst, src net.Conn) {
	_, err := io.Copy(dst, src)
	if err == nil {
		if cw, ok := dst.(interface{ CloseWrite() error }); ok && cw.CloseWrite() == nil {
			return
		}
	}
	dst.Close()
	src.Close()
}

// Tracker counts running handlers and remembers open connections (for an
// HTTP server, the hijacked ones it no longer knows about). The zero value
// is ready to use.
type Tracker struct {
	mu     sync.Mutex
	closed bool
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup
}

// Begin registers a running handler; false after Shutdown.
func (t *Tracker) Begin() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	t.wg.Add(1)
	return true
}

// End marks a handler registered with Begin as returned.
func (t *Tracker) End() { t.wg.Done() }

// Add remembers c until Remove; false (and the caller is to close c) after
// Shutdown.
func (t *Tracker) Add(c net.Conn) bool {
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

// Remove forgets c.
func (t *Tracker) Remove(c net.Conn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.conns, c)
}

// Shutdown refuses new handlers, closes the remembered connections and
// waits for every handler to return.
func (t *Tracker) Shutdown() {
	t.mu.Lock()
	t.closed = true
	for c := range t.conns {
		c.Close()
	}
	t.mu.Unlock()
	t.wg.Wait()
}
