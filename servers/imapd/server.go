package imapd

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/testbed-dev/testbed/servers/internal/conns"
)

// Default settings.
const (
	DefaultUser        = "imaptest"
	DefaultPassword    = "password"
	DefaultIdleTimeout = 30 * time.Minute
	handshakeTimeout   = 30 * time.Second
)

// ErrServerClosed is returned by [Server.Serve] and [Server.ServeTLS] after
// [Server.Close].
var ErrServerClosed = errors.New("imapd: server closed")

// Options configure a [Server]. The zero value is a working server with the
// default user and an in-memory store, without TLS.
type Options struct {
	// Users maps user names to passwords; nil means {"imaptest": "password"}.
	Users map[string]string
	// TLS enables STARTTLS on [Server.Serve] listeners and is required by
	// [Server.ServeTLS].
	TLS *tls.Config
	// Store holds the mail; nil means a fresh [MemoryStore]. Subscriptions
	// and \Recent flags are kept by the server, not the store.
	Store Store
	// Logger receives connection and error logs; nil discards them.
	Logger *slog.Logger
	// IdleTimeout bounds how long a client may stay silent (and how long a
	// write may block); 0 means [DefaultIdleTimeout].
	IdleTimeout time.Duration
	// Debug, when set, receives a copy of every byte read from and written to
	// clients, after TLS decryption. Writes to it are serialised.
	Debug io.Writer
}

// Server is an IMAP4rev1 server. It is safe for concurrent use.
type Server struct {
	users   map[string]string
	tls     *tls.Config
	store   Store
	hub     *hub           // \Recent flags and IDLE wake-ups
	subs    *subscriptions // SUBSCRIBE and LSUB
	log     *slog.Logger
	idle    time.Duration
	debug   *lockedWriter
	ctx     context.Context // cancelled by Close
	cancel  context.CancelFunc
	track   conns.Tracker
	connSeq atomic.Uint64
}

// New returns a server configured by opts.
func New(opts Options) *Server {
	s := &Server{
		users: opts.Users,
		tls:   opts.TLS,
		store: opts.Store,
		hub:   newHub(),
		subs:  newSubscriptions(),
		log:   opts.Logger,
		idle:  opts.IdleTimeout,
	}
	if s.users == nil {
		s.users = map[string]string{DefaultUser: DefaultPassword}
	}
	if s.store == nil {
		s.store = NewMemoryStore()
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.idle <= 0 {
		s.idle = DefaultIdleTimeout
	}
	if opts.Debug != nil {
		s.debug = &lockedWriter{w: opts.Debug}
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s
}

// Serve accepts plain connections on l (STARTTLS is offered when
// [Options.TLS] is set) until l fails or the server is closed. It closes l.
func (s *Server) Serve(l net.Listener) error {
	return s.serve(l, false)
}

// ServeTLS accepts implicit-TLS connections on l (as on port 993) until l
// fails or the server is closed. It needs [Options.TLS]. It closes l.
func (s *Server) ServeTLS(l net.Listener) error {
	if s.tls == nil {
		l.Close()
		return errors.New("imapd: serve tls: no TLS configuration")
	}
	return s.serve(l, true)
}

func (s *Server) serve(l net.Listener, implicitTLS bool) error {
	// Temporary accept failures (out of file descriptors) are logged and
	// retried after a pause that Close interrupts.
	err := s.track.Serve(l, s.log, func(c net.Conn) { s.handle(c, implicitTLS) })
	if err != nil {
		return fmt.Errorf("imapd: serve %s: %w", l.Addr(), err)
	}
	return ErrServerClosed
}

// handle runs one connection. raw stays tracked (and is what Close closes)
// even when TLS wraps it.
func (s *Server) handle(raw net.Conn, implicitTLS bool) {
	id := s.connSeq.Add(1)
	log := s.log.With("conn", id, "remote", raw.RemoteAddr().String())
	log.Debug("imapd: connection opened", "tls", implicitTLS)
	c := raw
	if implicitTLS {
		tc := tls.Server(raw, s.tls)
		ctx, cancel := context.WithTimeout(s.ctx, min(handshakeTimeout, s.idle))
		err := tc.HandshakeContext(ctx)
		cancel()
		if err != nil {
			log.Debug("imapd: tls handshake failed", "err", err)
			return
		}
		c = tc
	}
	err := newSession(s, c, implicitTLS, log).run()
	log.Debug("imapd: connection closed", "err", err)
}

// Close stops every listener and connection and waits for them to finish.
func (s *Server) Close() error {
	s.cancel()
	if err := s.track.Shutdown(); err != nil {
		return fmt.Errorf("imapd: close: %w", err)
	}
	return nil
}

// lockedWriter serialises writes from concurrent sessions.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}
