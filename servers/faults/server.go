// Package faults is testbed's fault server: ports that relay to a target
// server with faults applied (latency with jitter, a bandwidth limit,
// slicing into small writes, a close after N bytes) and ports that
// misbehave on their own (accept and stay silent, reset on connect, never
// complete the TCP handshake). A small HTTP control API (package faultapi)
// lists, sets and clears each port's fault while the server runs.
//
// Every port is served by [Server.ServePort] with a preset fault; the
// control API by [Server.ServeControl]. The faults in force live in a
// [Table], keyed by port number.
//
// The handshake that never completes ("blackhole") is a listening socket
// with a backlog of 0 whose accept queue is full of one connection of the
// server's own that it never accepts: the kernel then drops every SYN
// without an answer, so a client's connect times out, with no RST and no
// capability needed (Linux only). A port is a blackhole from its start to
// its end; the control API cannot switch it.
package faults

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/testbed-dev/testbed/servers/faults/faultapi"
	"github.com/testbed-dev/testbed/servers/internal/conns"
)

// Dialer connects relayed connections to their target.
type Dialer interface {
	DialContext(ctx context.Context, network, address string) (net.Conn, error)
}

// DefaultConnectTimeout bounds a connection to the target.
const DefaultConnectTimeout = 10 * time.Second

// Options configure a [Server].
type Options struct {
	Target string // "server:port" relayed connections go to
	Dialer Dialer // nil: net.Dialer
	// ConnectTimeout bounds the connection to the target; 0 means
	// DefaultConnectTimeout.
	ConnectTimeout time.Duration
	Logger         *slog.Logger // a line per connection and per change; nil discards
}

// Server serves fault ports and the control API.
type Server struct {
	opts  Options
	log   *slog.Logger
	table *Table
	track conns.Tracker
	done  chan struct{} // closed by Close: ends every pause
	once  sync.Once

	mu    sync.Mutex
	holes map[int]bool // ports that are blackholes
}

// New makes a server with no ports.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Dialer == nil {
		opts.Dialer = &net.Dialer{}
	}
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = DefaultConnectTimeout
	}
	s := &Server{opts: opts, log: opts.Logger, holes: map[int]bool{}, done: make(chan struct{})}
	s.table = NewTable(opts.Target, s.applyMode)
	return s
}

// Table is where the server keeps its ports' faults.
func (s *Server) Table() *Table { return s.table }

// ServePort serves l as the fault port number (its container port, the key
// of the control API) called name, starting with preset. It returns nil
// after Close.
func (s *Server) ServePort(l net.Listener, number int, name string, preset faultapi.Fault) error {
	if err := preset.Validate(); err != nil {
		l.Close()
		return fmt.Errorf("faults port %d: %w", number, err)
	}
	s.mu.Lock()
	s.holes[number] = preset.Mode == faultapi.ModeBlackhole
	s.mu.Unlock()
	if err := s.table.Add(number, name, preset); err != nil {
		l.Close()
		return fmt.Errorf("faults port %d: %w", number, err)
	}
	if preset.Mode == faultapi.ModeBlackhole {
		return s.serveBlackhole(l, number)
	}
	log := s.log.With("port", number, "name", name)
	err := s.track.Serve(l, log, func(c net.Conn) { s.handle(c, number, log) })
	if err != nil {
		return fmt.Errorf("serve faults port %d on %s: %w", number, l.Addr(), err)
	}
	return nil
}

// Close stops every Serve and closes every connection.
func (s *Server) Close() error {
	s.once.Do(func() { close(s.done) })
	if err := s.track.Shutdown(); err != nil {
		return fmt.Errorf("close faults server: %w", err)
	}
	return nil
}

// applyMode refuses a change that would make a port a blackhole or stop
// it being one: only a port started as a blackhole is one, for good.
func (s *Server) applyMode(number int, f faultapi.Fault) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if hole, known := s.holes[number]; known && hole != (f.Mode == faultapi.ModeBlackhole) {
		return fmt.Errorf("port %d: only a port started as a blackhole is one, and it stays one", number)
	}
	return nil
}

// serveBlackhole keeps l a port that never completes a handshake until
// Close.
func (s *Server) serveBlackhole(l net.Listener, number int) error {
	hole, filler, err := blackhole(l)
	if err != nil {
		return fmt.Errorf("faults port %d: %w", number, err)
	}
	s.log.Info("blackhole: handshakes on this port never complete", "port", number, "addr", hole.Addr().String())
	<-s.done
	filler.Close()
	hole.Close()
	return nil
}

// handle runs one accepted connection under the port's fault.
func (s *Server) handle(c net.Conn, number int, log *slog.Logger) {
	f, target := s.table.fault(number)
	start := time.Now()
	log = log.With("remote", c.RemoteAddr().String(), "fault", f.String())
	switch f.Mode {
	case faultapi.ModeReset:
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetLinger(0)
		}
		log.Info("connection reset")
		return
	case faultapi.ModeSilent:
		n, _ := discard(c)
		log.Info("connection silent", "from_client", n, "duration", time.Since(start).Round(time.Millisecond))
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.ConnectTimeout)
	up, err := s.opts.Dialer.DialContext(ctx, "tcp", target)
	cancel()
	if err != nil {
		log.Warn("connection: target unreachable", "target", target, "err", err)
		return
	}
	if !s.track.Add(up) {
		up.Close()
		return
	}
	defer s.track.Remove(up)
	toServer, toClient, err := s.relay(c, up, number, f.CloseAfter)
	log.Info("connection", "target", target, "to_server", toServer, "to_client", toClient,
		"duration", time.Since(start).Round(time.Millisecond), "end", endReason(err))
}

func endReason(err error) string {
	switch {
	case err == nil:
		return "closed"
	case errors.Is(err, errCloseAfter):
		return "close-after"
	default:
		return err.Error()
	}
}

// discard reads c until it ends.
func discard(c net.Conn) (int64, error) {
	buf := make([]byte, 4096)
	var total int64
	for {
		n, err := c.Read(buf)
		total += int64(n)
		if err != nil {
			return total, err
		}
	}
}
