package pop3d

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	"github.com/testbed-dev/testbed/servers/internal/conns"
	"github.com/testbed-dev/testbed/servers/mailstore"
)

// Limits of a session.
const (
	idleTimeout = 10 * time.Minute // RFC 1939's autologout timer: at least 10 minutes
	maxLine     = 512              // RFC 2449: commands up to 255 octets; some slack
	maxBadCmds  = 20               // unknown or malformed commands before the server hangs up
)

// Options configure a [Server].
type Options struct {
	Users    map[string]string // logins, name to password; each must have a mailbox in Store
	Store    mailstore.Store   // required
	TLS      *tls.Config       // STLS and ServeTLS; nil: neither
	Hostname string            // in the APOP timestamp; "" = the host name
	// InsecureAuth allows USER/PASS and AUTH before STLS on a plain
	// connection (APOP never sends the password).
	InsecureAuth bool
	Logger       *slog.Logger
}

// Server is a POP3 server. Its Serve methods return nil once Close has
// been called.
type Server struct {
	opts  Options
	log   *slog.Logger
	track conns.Tracker

	mu     sync.Mutex
	locked map[string]bool // maildrops in a session's TRANSACTION state
}

// New makes a server.
func New(opts Options) (*Server, error) {
	if opts.Store == nil {
		return nil, errors.New("pop3d: no store")
	}
	if opts.Hostname == "" {
		opts.Hostname, _ = os.Hostname()
		if opts.Hostname == "" {
			opts.Hostname = "localhost"
		}
	}
	s := &Server{opts: opts, log: opts.Logger, locked: map[string]bool{}}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s, nil
}

// Serve accepts POP3 clients on l (port 110), with STLS when the server
// has a certificate.
func (s *Server) Serve(l net.Listener) error {
	return s.serve(l, false)
}

// ServeTLS accepts POP3 clients over implicit TLS on l (port 995).
func (s *Server) ServeTLS(l net.Listener) error {
	if s.opts.TLS == nil {
		l.Close()
		return errors.New("pop3d: ServeTLS without a TLS configuration")
	}
	return s.serve(tls.NewListener(l, s.opts.TLS), true)
}

func (s *Server) serve(l net.Listener, secure bool) error {
	s.log.Info("pop3: serving", "addr", l.Addr().String(), "tls", secure, "stls", !secure && s.opts.TLS != nil)
	err := s.track.Serve(l, s.log, func(c net.Conn) {
		newSession(s, c, secure).run()
	})
	if err != nil {
		return fmt.Errorf("pop3 on %s: %w", l.Addr(), err)
	}
	return nil
}

// Close closes every listener and connection and waits for the sessions to
// end.
func (s *Server) Close() error {
	if err := s.track.Shutdown(); err != nil {
		return fmt.Errorf("close pop3 server: %w", err)
	}
	return nil
}

// lock takes user's maildrop for a session; false when another has it.
func (s *Server) lock(user string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.locked[user] {
		return false
	}
	s.locked[user] = true
	return true
}

func (s *Server) unlock(user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.locked, user)
}
