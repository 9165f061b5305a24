// Package forward listens on host ports and forwards their TCP streams and
// UDP datagrams to a target, in place of an engine's port publishing.
//
// A target is a dial function, so that anything that yields a net.Conn can
// stand behind a port: a container's address on a bridge network (Addr), or
// a Kubernetes port-forward stream. TCP copies use io.Copy between the two
// connections, which on Linux splices between *net.TCPConn without copying
// through user space; a half-close on one side is passed on to the other.
// UDP keeps one connected socket to the target per client address, in a
// table bounded in size and swept of sessions idle longer than a timeout.
package forward

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// DialFunc opens a connection to a forward's target: a stream for TCP, a
// connected datagram socket for UDP (each datagram one message).
type DialFunc func(ctx context.Context) (net.Conn, error)

// Addr is a DialFunc that dials address on network ("tcp" or "udp").
func Addr(network, address string) DialFunc {
	var d net.Dialer
	return func(ctx context.Context) (net.Conn, error) {
		return d.DialContext(ctx, network, address)
	}
}

// Rule is one forwarded port.
type Rule struct {
	// Proto is "tcp" or "udp".
	Proto string
	// Listen is the host address to listen on, e.g. "127.0.0.1:0" for a
	// port the system chooses or "127.0.0.1:8080" for a fixed one.
	Listen string
	// Dial reaches the target, once per TCP connection or UDP session.
	Dial DialFunc
}

// Options tune a Forwarder; the zero value is usable.
type Options struct {
	// DialTimeout bounds one dial of a target; 10s if zero.
	DialTimeout time.Duration
	// UDPIdle ends a UDP session that has carried nothing for this long; 60s if zero.
	UDPIdle time.Duration
	// UDPSessions bounds the sessions of one UDP port; past it the least
	// recently used is ended. 1024 if zero.
	UDPSessions int
	// Errorf, if set, is told about failed dials and copies.
	Errorf func(format string, args ...any)
}

// Forwarder holds a set of listeners and the connections they carry.
type Forwarder struct {
	o      Options
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	closers map[io.Closer]struct{}
	closed  bool
	udp     []*udpPort
}

// New returns a Forwarder with no ports.
func New(o Options) *Forwarder {
	if o.DialTimeout <= 0 {
		o.DialTimeout = 10 * time.Second
	}
	if o.UDPIdle <= 0 {
		o.UDPIdle = 60 * time.Second
	}
	if o.UDPSessions <= 0 {
		o.UDPSessions = 1024
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Forwarder{o: o, ctx: ctx, cancel: cancel, closers: map[io.Closer]struct{}{}}
}

// ErrClosed is returned by Add after Close.
var ErrClosed = errors.New("forwarder closed")

// Add listens as r says and forwards from then on; it returns the address
// listened on (with the chosen port when r.Listen's was 0).
func (f *Forwarder) Add(r Rule) (net.Addr, error) {
	if r.Dial == nil {
		return nil, fmt.Errorf("forward %s %s: no target", r.Proto, r.Listen)
	}
	switch r.Proto {
	case "tcp", "":
		l, err := net.Listen("tcp", r.Listen)
		if err != nil {
			return nil, fmt.Errorf("forward tcp: %w", err)
		}
		if !f.track(l) {
			l.Close()
			return nil, ErrClosed
		}
		f.wg.Add(1)
		go f.serveTCP(l, r.Dial)
		return l.Addr(), nil
	case "udp":
		pc, err := net.ListenPacket("udp", r.Listen)
		if err != nil {
			return nil, fmt.Errorf("forward udp: %w", err)
		}
		if !f.track(pc) {
			pc.Close()
			return nil, ErrClosed
		}
		f.wg.Add(1)
		go f.serveUDP(pc, r.Dial)
		return pc.LocalAddr(), nil
	}
	return nil, fmt.Errorf("forward %s: protocol %q is not tcp or udp", r.Listen, r.Proto)
}

// Close stops listening, ends every forwarded connection and waits for
// their goroutines.
func (f *Forwarder) Close() error {
	f.mu.Lock()
	f.closed = true
	cs := f.closers
	f.closers = map[io.Closer]struct{}{}
	f.mu.Unlock()
	f.cancel()
	for c := range cs {
		c.Close()
	}
	f.wg.Wait()
	return nil
}

// track registers c to be closed by Close; false if already closed.
func (f *Forwarder) track(c io.Closer) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return false
	}
	f.closers[c] = struct{}{}
	return true
}

func (f *Forwarder) untrack(c io.Closer) {
	f.mu.Lock()
	delete(f.closers, c)
	f.mu.Unlock()
}

func (f *Forwarder) errorf(format string, args ...any) {
	if f.o.Errorf != nil {
		f.o.Errorf(format, args...)
	}
}

func (f *Forwarder) serveTCP(l net.Listener, dial DialFunc) {
	defer f.wg.Done()
	defer f.untrack(l)
	for {
		c, err := l.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return // closed
		}
		if !f.track(c) {
			c.Close()
			return
		}
		f.wg.Add(1)
		go f.pipe(c, dial)
	}
}

// pipe dials the target for c and copies both ways until both are done.
func (f *Forwarder) pipe(c net.Conn, dial DialFunc) {
	defer f.wg.Done()
	defer f.untrack(c)
	defer c.Close()
	ctx, cancel := context.WithTimeout(f.ctx, f.o.DialTimeout)
	t, err := dial(ctx)
	cancel()
	if err != nil {
		f.errorf("forward %s: %v", c.LocalAddr(), err)
		return
	}
	if !f.track(t) {
		t.Close()
		return
	}
	defer f.untrack(t)
	defer t.Close()
	done := make(chan struct{})
	go func() {
		copyHalf(t, c)
		close(done)
	}()
	copyHalf(c, t)
	<-done
}

// copyHalf copies src to dst until src ends, then passes the end on as a
// half-close where dst can take one (and closes it where it cannot, so that
// the other direction ends too).
func copyHalf(dst, src net.Conn) {
	_, err := io.Copy(dst, src)
	if cw, ok := dst.(interface{ CloseWrite() error }); ok && err == nil {
		cw.CloseWrite()
	} else {
		dst.Close()
		src.Close()
	}
	if cr, ok := src.(interface{ CloseRead() error }); ok {
		cr.CloseRead()
	}
}
