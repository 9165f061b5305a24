package ftpd

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/testbed-dev/testbed/servers/internal/conns"
)

// Default timeouts, used when the matching option is zero.
const (
	// DefaultIdleTimeout is how long a control connection may stay silent
	// between two commands (vsftpd's idle_session_timeout), and how long a
	// client may leave a reply unread.
	DefaultIdleTimeout = 5 * time.Minute
	// DefaultDataTimeout bounds accepting or dialling a data connection, a
	// TLS handshake and each step of a transfer.
	DefaultDataTimeout = 30 * time.Second
)

// DefaultUser and DefaultPassword are the login used when Options.Users is nil.
const (
	DefaultUser     = "ftptest"
	DefaultPassword = "password"
)

// ErrServerClosed is returned by [Server.Serve] after [Server.Close].
var ErrServerClosed = errors.New("ftpd: server closed")

// Options configure a [Server]. The zero value serves the default user on a
// new temporary tree, without anonymous access and without TLS.
type Options struct {
	// Users maps logins to passwords; nil means {"ftptest": "password"}, an
	// empty map means no user logins.
	Users map[string]string
	// Anonymous allows "anonymous" and "ftp" with any password.
	Anonymous bool
	// Root is the directory holding the tree; "" means a new temporary
	// directory that Close removes.
	Root string
	// Reseed: Root is this server's own, left by an earlier server of the
	// same kind; New removes everything in it but the seeded tree and
	// lays that out again, without writing the large seeded files anew
	// (a reset in milliseconds). Never set it for a directory of the
	// user's: everything else in it is removed.
	Reseed bool
	// PassivePorts are the ports passive data connections listen on; empty
	// means any free port.
	PassivePorts []int
	// PassiveWait is how long PASV/EPSV waits for one of PassivePorts to
	// come free before answering 425; 0 means DefaultPassiveWait.
	PassiveWait time.Duration
	// PassiveHost is the IPv4 address advertised in PASV replies to clients
	// inside PublicClients (e.g. "127.0.0.1" for clients behind a published
	// port); everyone else is told the control connection's local address.
	PassiveHost string
	// PublicClients are the client networks told PassiveHost.
	PublicClients []netip.Prefix
	// TLS enables AUTH TLS (explicit FTPS) when set.
	TLS *tls.Config
	// Logger receives session events; nil discards them.
	Logger *slog.Logger
	// IdleTimeout closes a control connection silent for that long, or
	// whose client leaves a reply unread that long; 0 means
	// DefaultIdleTimeout.
	IdleTimeout time.Duration
	// DataTimeout bounds each network wait of a transfer and each TLS
	// handshake; 0 means DefaultDataTimeout.
	DataTimeout time.Duration
}

// Server is an FTP server over one file tree. Its methods are safe for
// concurrent use.
type Server struct {
	users         map[string]string
	anonymous     bool
	root          string // absolute
	tempRoot      bool   // root was made by New and is removed by Close
	passivePorts  []int
	passiveHost   netip.Addr // invalid when unset
	publicClients []netip.Prefix
	tls           *tls.Config
	log           *slog.Logger
	idleTimeout   time.Duration
	dataTimeout   time.Duration
	commands      map[string]commandSpec

	nextSession atomic.Uint64
	nextPort    atomic.Uint32 // rotates the first passive port tried
	pool        portPool      // wakes sessions waiting for a passive port
	passiveWait time.Duration

	done      chan struct{} // closed by Close: transfers stop at once
	track     conns.Tracker
	closeErr  error
	closeOnce sync.Once
}

// New checks opts, lays out the tree under opts.Root (a new temporary
// directory when empty) and returns a server ready to [Server.Serve].
func New(opts Options) (*Server, error) {
	s := &Server{
		anonymous:     opts.Anonymous,
		passivePorts:  append([]int(nil), opts.PassivePorts...),
		publicClients: append([]netip.Prefix(nil), opts.PublicClients...),
		tls:           opts.TLS,
		log:           opts.Logger,
		idleTimeout:   opts.IdleTimeout,
		dataTimeout:   opts.DataTimeout,
		passiveWait:   opts.PassiveWait,
		done:          make(chan struct{}),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.idleTimeout <= 0 {
		s.idleTimeout = DefaultIdleTimeout
	}
	if s.passiveWait <= 0 {
		s.passiveWait = DefaultPassiveWait
	}
	if s.dataTimeout <= 0 {
		s.dataTimeout = DefaultDataTimeout
	}
	s.users = opts.Users
	if s.users == nil {
		s.users = map[string]string{DefaultUser: DefaultPassword}
	}
	for login := range s.users {
		if err := checkLogin(login); err != nil {
			return nil, fmt.Errorf("ftpd: user %q: %w", login, err)
		}
	}
	for _, p := range s.passivePorts {
		if p < 1 || p > 65535 {
			return nil, fmt.Errorf("ftpd: passive port %d out of range 1-65535", p)
		}
	}
	if opts.PassiveHost != "" {
		a, err := netip.ParseAddr(opts.PassiveHost)
		if err != nil || !a.Unmap().Is4() {
			return nil, fmt.Errorf("ftpd: passive host %q: want an IPv4 address", opts.PassiveHost)
		}
		s.passiveHost = a.Unmap()
	}
	if s.tls != nil && len(s.tls.Certificates) == 0 && s.tls.GetCertificate == nil && s.tls.GetConfigForClient == nil {
		return nil, errors.New("ftpd: TLS config has no certificate")
	}
	s.commands = commandTable()

	if opts.Root == "" {
		dir, err := os.MkdirTemp("", "testbed-ftpd-")
		if err != nil {
			return nil, fmt.Errorf("ftpd: make root: %w", err)
		}
		s.root, s.tempRoot = dir, true
	} else {
		if err := os.MkdirAll(opts.Root, 0o755); err != nil {
			return nil, fmt.Errorf("ftpd: make root: %w", err)
		}
		s.root = opts.Root
		if opts.Reseed {
			if err := clearForReseed(s.root); err != nil {
				return nil, fmt.Errorf("ftpd: clear %s for the seed: %w", s.root, err)
			}
		}
	}
	if err := layoutTree(s.root, s.users, opts.Reseed && !s.tempRoot); err != nil {
		if s.tempRoot {
			os.RemoveAll(s.root)
		}
		return nil, fmt.Errorf("ftpd: lay out tree in %s: %w", s.root, err)
	}
	return s, nil
}

// checkLogin refuses logins that are not a safe single path element or that
// would shadow the anonymous logins.
func checkLogin(login string) error {
	switch {
	case login == "", login == ".", login == "..":
		return errors.New("not a valid login")
	case strings.ContainsAny(login, "/\\\x00\r\n "):
		return errors.New("login must not contain '/', '\\', spaces or control characters")
	case isAnonymousLogin(login):
		return errors.New("reserved for anonymous access")
	}
	return nil
}

// Root returns the directory holding the served tree.
func (s *Server) Root() string { return s.root }

// Serve accepts control connections on l until [Server.Close] (then it
// returns [ErrServerClosed]) or until l is closed by someone else, and serves
// each in its own goroutine. Temporary accept failures, such as running out
// of file descriptors, are logged and retried after a pause that Close
// interrupts. It closes l when it returns.
func (s *Server) Serve(l net.Listener) error {
	err := s.track.Serve(l, s.log, s.handle)
	if err != nil {
		return fmt.Errorf("ftpd: serve %s: %w", l.Addr(), err)
	}
	return ErrServerClosed
}

// handle serves the control connection c until its session ends. Serve
// runs it for each connection it accepts, tracked so that Close ends it
// and waits.
func (s *Server) handle(c net.Conn) { newSession(s, c).serve() }

// Close stops every Serve, ends every session, waits for them and removes the
// tree when New made it in a temporary directory. It is safe to call twice.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		close(s.done)
		var errs []error
		if err := s.track.Shutdown(); err != nil {
			errs = append(errs, fmt.Errorf("close listener: %w", err))
		}
		if s.tempRoot {
			if err := os.RemoveAll(s.root); err != nil {
				errs = append(errs, fmt.Errorf("remove root: %w", err))
			}
		}
		if err := errors.Join(errs...); err != nil {
			s.closeErr = fmt.Errorf("ftpd: close: %w", err)
		}
	})
	return s.closeErr
}
