// Package sftpd is testbed's built-in SSH server for file transfer: SFTP
// (the "sftp" subsystem, which OpenSSH's sftp and, since OpenSSH 9, scp
// use) over SSH, with a password user and a public-key user, on a tree
// in a temporary directory: a seeded read-only part and a writable /upload. Shells,
// commands (so the legacy scp protocol, scp -O), port forwarding and agent
// forwarding are refused.
//
// The protocol is golang.org/x/crypto/ssh and github.com/pkg/sftp; the tree
// is a [Tree].
package sftpd

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/testbed-dev/testbed/servers/internal/conns"
)

// Defaults of Options.
const (
	DefaultUser      = "sftptest"
	DefaultPassword  = "password"
	DefaultKeyUser   = "sftpkey"
	DefaultMaxUpload = 64 << 20
	// handshakeTimeout bounds the SSH handshake and authentication.
	handshakeTimeout = 30 * time.Second
)

// Options configure a [Server].
type Options struct {
	User, Password string          // the password user; empty means the defaults
	KeyUser        string          // the public-key user; empty means DefaultKeyUser
	AuthorizedKeys []ssh.PublicKey // keys KeyUser may log in with; nil: only the insecure test key
	HostKey        ssh.Signer      // nil: a new ed25519 key
	MaxUpload      int64           // largest file in /upload; 0 means DefaultMaxUpload
	Logger         *slog.Logger    // a line per connection and per change; nil discards
}

// Server serves SFTP over SSH.
type Server struct {
	opts  Options
	log   *slog.Logger
	cfg   *ssh.ServerConfig
	tree  *Tree
	track conns.Tracker
}

// New makes a server with a freshly seeded tree.
func New(opts Options) (*Server, error) {
	if opts.User == "" {
		opts.User = DefaultUser
	}
	if opts.Password == "" {
		opts.Password = DefaultPassword
	}
	if opts.KeyUser == "" {
		opts.KeyUser = DefaultKeyUser
	}
	if opts.AuthorizedKeys == nil {
		opts.AuthorizedKeys = []ssh.PublicKey{InsecureUserSigner().PublicKey()}
	}
	if opts.MaxUpload <= 0 {
		opts.MaxUpload = DefaultMaxUpload
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.HostKey == nil {
		k, err := NewHostKey()
		if err != nil {
			return nil, err
		}
		opts.HostKey = k
	}
	tree, err := NewTree(opts.MaxUpload)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, log: opts.Logger, tree: tree}
	s.cfg = &ssh.ServerConfig{
		PasswordCallback:  s.checkPassword,
		PublicKeyCallback: s.checkKey,
		ServerVersion:     "SSH-2.0-testbed",
		MaxAuthTries:      6,
	}
	s.cfg.AddHostKey(opts.HostKey)
	return s, nil
}

// HostKey is the server's public host key.
func (s *Server) HostKey() ssh.PublicKey { return s.opts.HostKey.PublicKey() }

// Serve accepts SSH connections on l until Close.
func (s *Server) Serve(l net.Listener) error {
	s.log.Info("sftp: host key", "type", s.HostKey().Type(), "fingerprint", ssh.FingerprintSHA256(s.HostKey()))
	if err := s.track.Serve(l, s.log, s.handle); err != nil {
		return fmt.Errorf("serve sftp on %s: %w", l.Addr(), err)
	}
	return nil
}

// Close stops every Serve, closes every connection and removes the tree.
func (s *Server) Close() error {
	err := s.track.Shutdown()
	if terr := s.tree.Close(); err == nil {
		err = terr
	}
	if err != nil {
		return fmt.Errorf("close sftp server: %w", err)
	}
	return nil
}

func (s *Server) checkPassword(md ssh.ConnMetadata, pw []byte) (*ssh.Permissions, error) {
	if md.User() == s.opts.User && subtle.ConstantTimeCompare(pw, []byte(s.opts.Password)) == 1 {
		return &ssh.Permissions{Extensions: map[string]string{"method": "password"}}, nil
	}
	s.log.Info("sftp: authentication failed", "user", md.User(), "method", "password", "remote", md.RemoteAddr().String())
	return nil, errors.New("wrong user or password")
}

func (s *Server) checkKey(md ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
	if md.User() == s.opts.KeyUser {
		for _, k := range s.opts.AuthorizedKeys {
			if subtle.ConstantTimeCompare(k.Marshal(), key.Marshal()) == 1 {
				return &ssh.Permissions{Extensions: map[string]string{"method": "publickey", "key": ssh.FingerprintSHA256(key)}}, nil
			}
		}
	}
	s.log.Debug("sftp: key not accepted", "user", md.User(), "key", ssh.FingerprintSHA256(key), "remote", md.RemoteAddr().String())
	return nil, errors.New("key not authorized")
}

// handle runs one SSH connection: its sessions may start the sftp
// subsystem and nothing else.
func (s *Server) handle(c net.Conn) {
	start := time.Now()
	c.SetDeadline(time.Now().Add(handshakeTimeout))
	sc, chans, reqs, err := ssh.NewServerConn(c, s.cfg)
	if err != nil {
		s.log.Info("sftp: connection refused", "remote", c.RemoteAddr().String(), "err", err)
		return
	}
	c.SetDeadline(time.Time{})
	defer sc.Close()
	log := s.log.With("remote", c.RemoteAddr().String(), "user", sc.User(), "method", sc.Permissions.Extensions["method"])
	log.Info("sftp: login", "client", string(sc.ClientVersion()))
	go ssh.DiscardRequests(reqs) // global requests: no forwarding
	for nc := range chans {
		if nc.ChannelType() != "session" {
			nc.Reject(ssh.Prohibited, "only sessions, for sftp")
			continue
		}
		ch, creqs, err := nc.Accept()
		if err != nil {
			continue
		}
		if !s.track.Begin() {
			ch.Close()
			break
		}
		go func() {
			defer s.track.End()
			s.session(ch, creqs, log)
		}()
	}
	log.Info("sftp: logout", "duration", time.Since(start).Round(time.Millisecond))
}

// session serves one session channel: a "subsystem sftp" request starts
// SFTP; anything else (shell, exec, pty, env, ...) is refused.
func (s *Server) session(ch ssh.Channel, reqs <-chan *ssh.Request, log *slog.Logger) {
	defer ch.Close()
	for req := range reqs {
		if req.Type == "subsystem" && subsystem(req.Payload) == "sftp" {
			req.Reply(true, nil)
			go ssh.DiscardRequests(reqs)
			s.serveSFTP(ch, log)
			return
		}
		if req.Type == "exec" || req.Type == "shell" || req.Type == "subsystem" {
			log.Info("sftp: refused", "request", req.Type)
			ch.Stderr().Write([]byte("testbed: this server speaks SFTP only (for scp, use OpenSSH 9 or later, or scp -s)\n"))
		}
		req.Reply(false, nil)
	}
}

func (s *Server) serveSFTP(ch ssh.Channel, log *slog.Logger) {
	rs := sftp.NewRequestServer(ch, s.tree.Handlers(log), sftp.WithStartDirectory("/"))
	err := rs.Serve()
	status := uint32(0)
	if err != nil && !errors.Is(err, io.EOF) {
		status = 1
		log.Info("sftp: session failed", "err", err)
	}
	// The exit status goes before the channel closes (rs.Close closes
	// it): scp and sftp fail without one.
	ch.SendRequest("exit-status", false, ssh.Marshal(struct{ Status uint32 }{status}))
	rs.Close()
}

// subsystem is the name in a "subsystem" request's payload.
func subsystem(payload []byte) string {
	var p struct{ Name string }
	if ssh.Unmarshal(payload, &p) != nil {
		return ""
	}
	return p.Name
}
