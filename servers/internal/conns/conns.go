// Package conns is what testbed's servers share: a two-way byte relay that
// keeps half-closes working (proxy, socks); a tracker of listeners, running
// handlers and open connections so that Close can end them and wait, with
// the accept loop of the servers that have one ([Tracker.Serve]); and a
// listener that rides out temporary accept failures (out of file
// descriptors) with a backoff that Close interrupts, and gives up at once on
// any other failure, which would only repeat ([Listener]).
package conns

import (
	"errors"
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

// Tracker remembers the listeners a server's Serve loops accept on, counts
// running handlers and remembers open connections (for an HTTP server, the
// hijacked ones it no longer knows about). The zero value is ready to use.
type Tracker struct {
	mu        sync.Mutex
	closed    bool
	listeners map[io.Closer]struct{}
	conns     map[net.Conn]struct{}
	wg        sync.WaitGroup
}

// AddListener remembers l, a net.Listener or net.PacketConn that a Serve
// loop reads, until RemoveListener; false (and the caller is to close l)
// after Shutdown.
func (t *Tracker) AddListener(l io.Closer) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	if t.listeners == nil {
		t.listeners = map[io.Closer]struct{}{}
	}
	t.listeners[l] = struct{}{}
	return true
}

// RemoveListener forgets l.
func (t *Tracker) RemoveListener(l io.Closer) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.listeners, l)
}

// Closed reports whether Shutdown has been called: a Serve loop whose
// listener fails then returns as after a normal close.
func (t *Tracker) Closed() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.closed
}

// Go runs handle in a new goroutine as the handler of c: c is remembered
// while handle runs and closed when it returns. After Shutdown it closes c
// and returns false without running handle.
func (t *Tracker) Go(c net.Conn, handle func()) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		c.Close()
		return false
	}
	t.wg.Add(1)
	t.addLocked(c)
	go func() {
		defer t.wg.Done()
		defer t.Remove(c)
		defer c.Close()
		handle()
	}()
	return true
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
	t.addLocked(c)
	return true
}

func (t *Tracker) addLocked(c net.Conn) {
	if t.conns == nil {
		t.conns = map[net.Conn]struct{}{}
	}
	t.conns[c] = struct{}{}
}

// Remove forgets c.
func (t *Tracker) Remove(c net.Conn) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.conns, c)
}

// Shutdown refuses new listeners, handlers and connections, closes the
// remembered listeners and then connections, and waits for every handler to
// return. It returns the errors of closing listeners, other than
// net.ErrClosed; those of closing connections are of no interest. It may be
// called again.
func (t *Tracker) Shutdown() error {
	t.mu.Lock()
	t.closed = true
	var errs []error
	for l := range t.listeners {
		if err := l.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	for c := range t.conns {
		c.Close()
	}
	t.mu.Unlock()
	t.wg.Wait()
	return errors.Join(errs...)
}
