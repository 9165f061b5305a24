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
	"fmt"
	"log/slog"
	"net"
	"sync/atomic"
	"time"

	"github.com/testbed-dev/testbed/servers/internal/conns"
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
	track   conns.Tracker // listeners, packet connections, connection handlers
}

// New makes a server.
func New(opts Options) *Server {
	s := &Server{
		log:     opts.Logger,
		now:     opts.Now,
		chargen: chargenCycle(),
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
	if err := s.track.Shutdown(); err != nil {
		return fmt.Errorf("close echo server: %w", err)
	}
	return nil
}

// serveStream accepts on l and runs handle on each connection, closing it
// afterwards. Temporary accept failures (out of file descriptors) are logged
// and retried after a pause that Close interrupts.
func (s *Server) serveStream(service string, l net.Listener, handle func(net.Conn)) error {
	log := s.log.With("service", service)
	err := s.track.Serve(l, log, func(c net.Conn) {
		log.Debug("connection", "remote", c.RemoteAddr().String())
		handle(c)
	})
	if err != nil {
		return fmt.Errorf("serve %s on %s: %w", service, l.Addr(), err)
	}
	return nil
}

// maxDatagram is the largest UDP payload read.
const maxDatagram = 65535

// servePacket reads datagrams from pc and sends what reply returns (nothing
// when it returns nil) back to the sender.
func (s *Server) servePacket(service string, pc net.PacketConn, reply func([]byte) []byte) error {
	if !s.track.AddListener(pc) {
		_ = pc.Close()
		return nil
	}
	defer func() {
		s.track.RemoveListener(pc)
		_ = pc.Close()
	}()
	buf := make([]byte, maxDatagram)
	for {
		n, addr, err := pc.ReadFrom(buf)
		if err != nil {
			if s.track.Closed() {
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
