package proxy

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/testbed-dev/testbed/servers/internal/conns"
	"github.com/testbed-dev/testbed/servers/netpolicy"
)

// Timeouts of the proxy.
const (
	// DialTimeout bounds connecting to a destination.
	DialTimeout = 30 * time.Second
	// ReadHeaderTimeout bounds how long a client may take to send a
	// request's header.
	ReadHeaderTimeout = 30 * time.Second
	// IdleTimeout closes client connections idle between requests.
	IdleTimeout = 2 * time.Minute
)

// Dialer connects to destinations; the proxy makes every outbound
// connection through it.
type Dialer interface {
	DialContext(ctx context.Context, network, address string) (net.Conn, error)
}

// Options configure a proxy server.
type Options struct {
	// User and Password are the Basic proxy credentials clients must give.
	// An empty User means no authentication.
	User     string
	Password string
	// Dialer makes outbound connections; nil refuses every destination.
	Dialer Dialer
	// Via is the pseudonym the proxy adds in Via headers; "" means "testbed".
	Via string
	// Logger receives a line per request; nil is quiet.
	Logger *slog.Logger
}

// Server is an HTTP forward proxy. It is an http.Handler; Serve runs it on
// a listener with its own http.Server.
type Server struct {
	opts      Options
	log       *slog.Logger
	dialer    Dialer
	transport *http.Transport
	srv       *http.Server
	track     conns.Tracker
	ctx       context.Context // cancelled by Close
	cancel    context.CancelFunc
}

// New returns a proxy configured by opts.
func New(opts Options) *Server {
	s := &Server{opts: opts, log: opts.Logger, dialer: opts.Dialer}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.dialer == nil {
		s.dialer = netpolicy.DenyAll{}
	}
	if s.opts.Via == "" {
		s.opts.Via = "testbed"
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.transport = &http.Transport{
		Proxy:               nil, // never chain to the environment's proxy
		DialContext:         s.dial,
		DisableCompression:  true, // pass bodies through as the origin sent them
		ForceAttemptHTTP2:   false,
		MaxIdleConns:        64,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     90 * time.Second,
	}
	s.srv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: ReadHeaderTimeout,
		IdleTimeout:       IdleTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
		BaseContext:       func(net.Listener) context.Context { return s.ctx },
	}
	return s
}

// Serve accepts proxy clients on l until Close is called (then it returns
// nil) or until l is closed by someone else. Temporary accept failures, such
// as running out of file descriptors, are logged and retried after a pause
// that Close interrupts ([conns.Listener]; net/http's own loop gives up on
// errors that do not say they are temporary). It may be called for several
// listeners; Close closes them.
func (s *Server) Serve(l net.Listener) error {
	err := s.srv.Serve(conns.NewListener(l, s.log))
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("proxy: serve %s: %w", l.Addr(), err)
	}
	return nil
}

// Close stops the listeners, closes every client connection and tunnel, and
// waits until every request handler has returned.
func (s *Server) Close() error {
	s.cancel()
	err := s.srv.Close()
	s.track.Shutdown()
	s.transport.CloseIdleConnections()
	if err != nil {
		return fmt.Errorf("proxy: close: %w", err)
	}
	return nil
}

// dial connects to a destination through the configured Dialer, within
// DialTimeout.
func (s *Server) dial(ctx context.Context, network, address string) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, DialTimeout)
	defer cancel()
	return s.dialer.DialContext(ctx, network, address)
}
