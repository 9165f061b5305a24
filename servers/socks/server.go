package socks

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/testbed-dev/testbed/servers/internal/conns"
	"github.com/testbed-dev/testbed/servers/netpolicy"
)

// Timeouts of the server.
const (
	// DefaultHandshakeTimeout bounds a client's handshake (greeting,
	// authentication and request) when Options.HandshakeTimeout is 0.
	DefaultHandshakeTimeout = 30 * time.Second
	// DialTimeout bounds connecting to a destination.
	DialTimeout = 30 * time.Second
)

// Dialer connects to destinations; the server makes every outbound
// connection through it, names unresolved.
type Dialer interface {
	DialContext(ctx context.Context, network, address string) (net.Conn, error)
}

// Options configure a SOCKS server.
type Options struct {
	// User and Password are the credentials clients must give (RFC 1929).
	// An empty User means no authentication; then SOCKS4/4a is served too.
	// With a User, a client offering only "no authentication" is refused.
	User     string
	Password string
	// Dialer makes outbound connections; nil refuses every destination.
	Dialer Dialer
	// Logger receives a line per connection; nil is quiet.
	Logger *slog.Logger
	// HandshakeTimeout bounds each client's handshake; 0 means
	// DefaultHandshakeTimeout.
	HandshakeTimeout time.Duration
}

// Server is a SOCKS server.
type Server struct {
	creds     credentials
	dialer    Dialer
	log       *slog.Logger
	handshake time.Duration
	track     conns.Tracker
	ctx       context.Context // cancelled by Close
	cancel    context.CancelFunc

	mu        sync.Mutex
	closed    bool
	listeners map[net.Listener]struct{}
}

// New returns a SOCKS server configured by opts.
func New(opts Options) *Server {
	s := &Server{
		creds:     credentials{user: opts.User, password: opts.Password},
		dialer:    opts.Dialer,
		log:       opts.Logger,
		handshake: opts.HandshakeTimeout,
		listeners: map[net.Listener]struct{}{},
	}
	if s.dialer == nil {
		s.dialer = netpolicy.DenyAll{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.handshake <= 0 {
		s.handshake = DefaultHandshakeTimeout
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s
}

// Serve accepts SOCKS clients on l until Close is called (then it returns
// nil) or l fails. It may be called for several listeners; Close closes them.
func (s *Server) Serve(l net.Listener) error {
	if !s.addListener(l) {
		l.Close()
		return nil
	}
	defer s.removeListener(l)
	backoff := 5 * time.Millisecond
	for {
		conn, err := l.Accept()
		if err != nil {
			if s.isClosed() {
				return nil
			}
			if errors.Is(err, net.ErrClosed) {
				return fmt.Errorf("socks: serve %s: %w", l.Addr(), err)
			}
			// Out of file descriptors and the like: wait and retry.
			s.log.Warn("socks: accept failed", "addr", l.Addr().String(), "err", err)
			t := time.NewTimer(backoff)
			select {
			case <-t.C:
			case <-s.ctx.Done():
				t.Stop()
				return nil
			}
			backoff = min(2*backoff, time.Second)
			continue
		}
		backoff = 5 * time.Millisecond
		if !s.track.Begin() {
			conn.Close()
			return nil
		}
		go func() {
			defer s.track.End()
			s.handle(conn)
		}()
	}
}

// Close stops the listeners, closes every client connection and tunnel, and
// waits until every connection handler has returned.
func (s *Server) Close() error {
	s.cancel()
	s.mu.Lock()
	s.closed = true
	var errs []error
	for l := range s.listeners {
		if err := l.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	s.mu.Unlock()
	s.track.Shutdown()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("socks: close: %w", err)
	}
	return nil
}

func (s *Server) addListener(l net.Listener) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.listeners[l] = struct{}{}
	return true
}

func (s *Server) removeListener(l net.Listener) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.listeners, l)
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}
