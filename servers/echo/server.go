// Package echo is testbed's built-in set of the classic small services:
// echo (RFC 862), discard (RFC 863), daytime (RFC 867) and chargen (RFC 864),
// each over TCP and UDP.
//
// One [Server] runs any number of them: call a Serve method per listener or
// packet connection, each in its own goroutine, and [Server.Close] to stop
// all of them and close every connection.
//
// Daytime answers the time in UTC in the syntax RFC 867 suggests,
// "Tuesday, February 22, 1982 17:37:43-UTC", followed by CRLF. Chargen sends
// the RFC 864 pattern: 72 of the 95 printable ASCII characters (space to
// tilde) per line, each line starting one character further on, lines ending
// in CRLF.
package echo

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a [Server]. The zero value is a working server.
type Options struct {
	Logger *slog.Logger     // connections at Debug, failures at Warn; nil discards
	Now    func() time.Time // the clock daytime reads; nil means time.Now
}

// Server serves echo, discard, daytime and chargen. Its Serve methods return
// nil once Close has been called.
type Server struct {
	log     *slog.Logger
	now     func() time.Time
	chargen []byte        // one full cycle of chargen lines
	line    atomic.Uint64 // next chargen line for UDP replies

	mu        sync.Mutex
	closed    bool
	listeners map[net.Listener]struct{}
	packets   map[net.PacketConn]struct{}
	conns     map[net.Conn]struct{}
	wg        sync.WaitGroup // connection handlers
}

// New makes a server.
func New(opts Options) *Server {
	s := &Server{
		log:       opts.Logger,
		now:       opts.Now,
		chargen:   chargenCycle(),
		listeners: map[net.Listener]struct{}{},
		packets:   map[net.PacketConn]struct{}{},
		conns:     map[net.Conn]struct{}{},
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Close stops every Serve, closes every listener, packet connection and
// client connection, and waits for the connection handlers to end.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	var errs []error
	for l := range s.listeners {
		if err := l.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	for pc := range s.packets {
		if err := pc.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	for c := range s.conns {
		_ = c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close echo server: %w", err)
	}
	return nil
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// serveStream accepts on l and runs handle on each connection, closing it
// afterwards.
func (s *Server) serveStream(service string, l net.Listener, handle func(net.Conn)) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = l.Close()
		return nil
	}
	s.listeners[l] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, l)
		s.mu.Unlock()
		_ = l.Close()
	}()
	for {
		c, err := l.Accept()
		if err != nil {
			if s.isClosed() {
				return nil
			}
			return fmt.Errorf("serve %s on %s: accept: %w", service, l.Addr(), err)
		}
		if !s.track(c) {
			_ = c.Close()
			return nil
		}
		s.log.Debug("connection", "service", service, "remote", c.RemoteAddr().String())
		go func() {
			defer s.wg.Done()
			defer s.untrack(c)
			handle(c)
		}()
	}
}

// track registers c and a handler for it; false once the server is closed.
func (s *Server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	return true
}

func (s *Server) untrack(c net.Conn) {
	_ = c.Close()
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// maxDatagram is the largest UDP payload read.
const maxDatagram = 65535

// servePacket reads datagrams from pc and sends what reply returns (nothing
// when it returns nil) back to the sender.
func (s *Server) servePacket(service string, pc net.PacketConn, reply func([]byte) []byte) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = pc.Close()
		return nil
	}
	s.packets[pc] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.packets, pc)
		s.mu.Unlock()
		_ = pc.Close()
	}()
	buf := make([]byte, maxDatagram)
	for {
		n, addr, err := pc.ReadFrom(buf)
		if err != nil {
			if s.isClosed() {
				return nil
			}
			return fmt.Errorf("serve %s on %s/udp: read: %w", service, pc.LocalAddr(), err)
		}
		out := reply(buf[:n])
		if out == nil {
			continue
		}
		if _, err := pc.WriteTo(out, addr); err != nil {
			s.log.Warn("reply failed", "service", service, "remote", addr.String(), "err", err)
		}
	}
}
