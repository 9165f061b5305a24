package smtpd

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/testbed-dev/testbed/servers/mailstore"
)

// Defaults of a Server.
const (
	DefaultDomain          = "mail.testbed.test"
	DefaultMaxMessageBytes = 10 << 20
	DefaultMaxRecipients   = 100
	sessionTimeout         = 5 * time.Minute
)

// Options configure a [Server].
type Options struct {
	Domain string            // the name in the greeting and EHLO reply; "" = DefaultDomain
	Users  map[string]string // logins for AUTH, name to password
	Store  mailstore.Store   // the local mailboxes; required
	// Copies get a copy of each message delivered to Store, for the same
	// user; their failures are logged, never reported to the client.
	Copies []mailstore.Deliverer
	TLS    *tls.Config // STARTTLS and ServeSubmissionTLS; nil: neither
	// InsecureAuth allows AUTH before STARTTLS on a plain connection.
	InsecureAuth    bool
	MaxMessageBytes int64 // 0 = DefaultMaxMessageBytes
	Logger          *slog.Logger
}

// Server is an SMTP server. Its Serve methods return nil once Close has
// been called.
type Server struct {
	opts       Options
	log        *slog.Logger
	mx         *smtp.Server // 25: AUTH optional
	submission *smtp.Server // 587 and 465: AUTH required

	mu        sync.Mutex
	closed    bool
	listeners []net.Listener // every Serve's, closed by Close
}

// New makes a server.
func New(opts Options) (*Server, error) {
	if opts.Store == nil {
		return nil, errors.New("smtpd: no store")
	}
	if opts.Domain == "" {
		opts.Domain = DefaultDomain
	}
	if opts.MaxMessageBytes <= 0 {
		opts.MaxMessageBytes = DefaultMaxMessageBytes
	}
	s := &Server{opts: opts, log: opts.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.mx = s.newSMTP("smtp", false)
	s.submission = s.newSMTP("submission", true)
	return s, nil
}

func (s *Server) newSMTP(role string, authRequired bool) *smtp.Server {
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		remote := c.Conn().RemoteAddr().String()
		s.log.Debug("smtp: connection", "port", role, "remote", remote)
		return &session{srv: s, role: role, authRequired: authRequired, remote: remote}, nil
	}))
	srv.Domain = s.opts.Domain
	srv.TLSConfig = s.opts.TLS
	srv.AllowInsecureAuth = s.opts.InsecureAuth
	srv.MaxMessageBytes = s.opts.MaxMessageBytes
	srv.MaxRecipients = DefaultMaxRecipients
	srv.ReadTimeout = sessionTimeout
	srv.WriteTimeout = sessionTimeout
	srv.ErrorLog = logAdapter{s.log.With("port", role)}
	return srv
}

// Serve accepts SMTP clients on l (port 25): mail for local mailboxes is
// taken without AUTH.
func (s *Server) Serve(l net.Listener) error {
	return s.serve(s.mx, l, "smtp")
}

// ServeSubmission accepts submission clients on l (port 587): AUTH is
// required before MAIL.
func (s *Server) ServeSubmission(l net.Listener) error {
	return s.serve(s.submission, l, "submission")
}

// ServeSubmissionTLS accepts submission clients over implicit TLS on l
// (port 465).
func (s *Server) ServeSubmissionTLS(l net.Listener) error {
	if s.opts.TLS == nil {
		l.Close()
		return errors.New("smtpd: ServeSubmissionTLS without a TLS configuration")
	}
	return s.serve(s.submission, tls.NewListener(l, s.opts.TLS), "submissions")
}

func (s *Server) serve(srv *smtp.Server, l net.Listener, role string) error {
	// go-smtp's Close closes the listeners its Serve has taken; one that
	// comes before would leave this Serve accepting, so Close closes ours.
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		l.Close()
		return nil
	}
	s.listeners = append(s.listeners, l)
	s.mu.Unlock()
	s.log.Info("smtp: serving", "port", role, "addr", l.Addr().String(), "starttls", s.opts.TLS != nil && role != "submissions")
	if err := srv.Serve(l); err != nil {
		return fmt.Errorf("smtp %s on %s: %w", role, l.Addr(), err)
	}
	return nil
}

// Close closes every listener and connection.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	listeners := s.listeners
	s.mu.Unlock()
	err := errors.Join(ignoreClosed(s.mx.Close()), ignoreClosed(s.submission.Close()))
	for _, l := range listeners {
		err = errors.Join(err, ignoreClosed(l.Close()))
	}
	if err != nil {
		return fmt.Errorf("close smtp server: %w", err)
	}
	return nil
}

func ignoreClosed(err error) error {
	if errors.Is(err, smtp.ErrServerClosed) || errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

// localUser returns the mailbox an address names: its local part when
// that is a mailbox of the store.
func (s *Server) localUser(addr string) (string, bool) {
	local := addr
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		local = addr[:i]
	}
	return local, local != "" && s.opts.Store.HasUser(local)
}

// deliver stores msg for each user and hands copies on.
func (s *Server) deliver(ctx context.Context, users []string, msg []byte) error {
	for _, u := range users {
		if err := s.opts.Store.Deliver(ctx, u, msg); err != nil {
			return err
		}
		for _, c := range s.opts.Copies {
			if err := c.Deliver(ctx, u, msg); err != nil {
				s.log.Warn("smtp: copy not delivered", "user", u, "err", err)
			}
		}
	}
	return nil
}

// errAuthRequired is RFC 4954's answer to MAIL before AUTH where AUTH is
// required (go-smtp's own ErrAuthRequired says 502).
var errAuthRequired = &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}

// session is one SMTP connection's transaction state.
type session struct {
	srv          *Server
	role         string
	authRequired bool
	remote       string
	user         string // authenticated user; "" before AUTH
	from         string
	rcpts        []string
}

var _ smtp.AuthSession = (*session)(nil)

func (ss *session) AuthMechanisms() []string { return []string{sasl.Plain, sasl.Login} }

func (ss *session) Auth(mech string) (sasl.Server, error) {
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(identity, username, password string) error {
			if identity != "" && identity != username {
				return errors.New("identity differs from username")
			}
			return ss.login(username, password)
		}), nil
	case sasl.Login:
		return newLoginServer(ss.login), nil
	}
	return nil, smtp.ErrAuthUnsupported
}

func (ss *session) login(user, password string) error {
	if want, ok := ss.srv.opts.Users[user]; ok && want == password {
		ss.user = user
		ss.srv.log.Info("smtp: login", "port", ss.role, "user", user, "remote", ss.remote)
		return nil
	}
	ss.srv.log.Info("smtp: login refused", "port", ss.role, "user", user, "remote", ss.remote)
	return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Authentication credentials invalid"}
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.authRequired && ss.user == "" {
		return errAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	user, ok := ss.srv.localUser(to)
	if !ok {
		ss.srv.log.Info("smtp: recipient refused", "port", ss.role, "to", to)
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such mailbox here; nothing is relayed"}
	}
	ss.rcpts = append(ss.rcpts, user)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "Return-Path: <%s>\r\nReceived: from %s by %s (testbed) with ESMTP; %s\r\n",
		ss.from, ss.remote, ss.srv.opts.Domain, time.Now().UTC().Format(time.RFC1123Z))
	if _, err := io.Copy(&buf, r); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := ss.srv.deliver(ctx, ss.rcpts, buf.Bytes()); err != nil {
		ss.srv.log.Warn("smtp: delivery failed", "err", err)
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Delivery failed, try again"}
	}
	ss.srv.log.Info("smtp: delivered", "port", ss.role, "from", ss.from, "to", strings.Join(ss.rcpts, ","), "bytes", buf.Len(), "user", ss.user)
	return nil
}

func (ss *session) Reset() {
	ss.from, ss.rcpts = "", nil
}

func (ss *session) Logout() error { return nil }

// logAdapter sends go-smtp's error log to slog at Debug: it reports
// clients that went away, which is routine.
type logAdapter struct{ log *slog.Logger }

func (l logAdapter) Printf(format string, v ...any) {
	l.log.Debug("smtp: " + fmt.Sprintf(format, v...))
}
func (l logAdapter) Println(v ...any) { l.log.Debug("smtp: " + strings.TrimSpace(fmt.Sprintln(v...))) }
