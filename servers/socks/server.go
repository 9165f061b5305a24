package socks

import (
	"context"
	"fmt"
	"log/slog"
	"net"
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
}

// New returns a SOCKS server configured by opts.
func New(opts Options) *Server {
	s := &Server{
		creds:     credentials{user: opts.User, password: opts.Password},
		dialer:    opts.Dialer,
		log:       opts.Logger,
		handshake: opts.HandshakeTimeout,
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
// nil) or until l is closed by someone else. Temporary accept failures, such
// as running out of file descriptors, are logged and retried after a pause
// that Close interrupts. It may be called for several listeners; Close
// closes them. Serve closes l when it returns.
func (s *Server) Serve(l net.Listener) error {
	if err := s.track.Serve(l, s.log, s.handle); err != nil {
		return fmt.Errorf("socks: serve %s: %w", l.Addr(), err)
	}
	return nil
}

// Close stops the listeners, closes every client connection and tunnel, and
// waits until every connection handler has returned.
func (s *Server) Close() error {
	s.cancel()
	if err := s.track.Shutdown(); err != nil {
		return fmt.Errorf("socks: close: %w", err)
	}
	return nil
}
