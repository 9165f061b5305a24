// Package wsd is testbed's built-in WebSocket server (RFC 6455), over
// plain HTTP and TLS:
//
//	GET /               a page listing the endpoints (not a WebSocket)
//	/echo               every message comes back, text or binary as sent
//	/auth/echo          /echo behind Basic authentication on the upgrade
//	/room/{name}        every message goes to every member of the room
//	/close/{code}       the server closes at once with that status code
//	/bytes/{n}          one binary message of n deterministic bytes (byte i
//	                    is i % 251), in frames of ?frame= bytes (default 32 KiB)
//
// Every endpoint negotiates permessage-deflate (RFC 7692) when the client
// offers it and one of the subprotocols "echo" and "chat" (the first the
// client lists); pings are answered with pongs. Messages may be fragmented
// and up to Options.MaxMessage bytes. The protocol is
// github.com/coder/websocket; the rooms are a [Hub].
package wsd

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/testbed-dev/testbed/servers/internal/conns"
)

// Defaults of Options.
const (
	DefaultUser       = "wstest"
	DefaultPassword   = "password"
	DefaultMaxMessage = 16 << 20
	// maxRoomMessage bounds a message broadcast to a room: each member
	// gets its own copy.
	maxRoomMessage = 1 << 20
)

// Subprotocols the server speaks, in its order of preference.
var Subprotocols = []string{"echo", "chat"}

// Options configure a [Server].
type Options struct {
	User, Password string       // of /auth/; empty means DefaultUser, DefaultPassword
	MaxMessage     int64        // largest message read; 0 means DefaultMaxMessage
	Logger         *slog.Logger // a line per connection; nil discards
}

// Server serves WebSocket endpoints on any number of listeners.
type Server struct {
	opts  Options
	log   *slog.Logger
	hub   *Hub
	track conns.Tracker
	ctx   context.Context // ends at Close: ends every connection
	stop  context.CancelFunc
	mux   *http.ServeMux
}

// New makes a server.
func New(opts Options) *Server {
	if opts.User == "" {
		opts.User = DefaultUser
	}
	if opts.Password == "" {
		opts.Password = DefaultPassword
	}
	if opts.MaxMessage <= 0 {
		opts.MaxMessage = DefaultMaxMessage
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, stop := context.WithCancel(context.Background())
	s := &Server{opts: opts, log: opts.Logger, hub: NewHub(), ctx: ctx, stop: stop}
	s.mux = s.routes()
	return s
}

// Serve serves ws:// on l until Close.
func (s *Server) Serve(l net.Listener) error { return s.serve(l, nil) }

// ServeTLS serves wss:// on l with cfg until Close.
func (s *Server) ServeTLS(l net.Listener, cfg *tls.Config) error { return s.serve(l, cfg) }

func (s *Server) serve(l net.Listener, cfg *tls.Config) error {
	hs := &http.Server{
		Handler:           s.mux,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
		BaseContext:       func(net.Listener) context.Context { return s.ctx },
	}
	if !s.track.AddListener(hs) {
		l.Close()
		return nil
	}
	defer s.track.RemoveListener(hs)
	var ln net.Listener = conns.NewListener(l, s.log)
	if cfg != nil {
		c := cfg.Clone()
		c.NextProtos = []string{"http/1.1"} // the upgrade is an HTTP/1.1 request
		ln = tls.NewListener(ln, c)
	}
	err := hs.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) || s.track.Closed() {
		return nil
	}
	return fmt.Errorf("serve websocket on %s: %w", l.Addr(), err)
}

// Close stops every Serve and ends every connection.
func (s *Server) Close() error {
	s.stop()
	if err := s.track.Shutdown(); err != nil {
		return fmt.Errorf("close websocket server: %w", err)
	}
	return nil
}
