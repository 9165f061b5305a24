// Package dnsd is testbed's built-in DNS server: authoritative for the
// testbed's domain over UDP and TCP, it answers every server's name with its
// addresses (found at query time through a [Hosts]), the records of a seeded
// zone (A, AAAA, CNAME, MX, SRV, TXT, NS, PTR, CAA and any other type the
// zone-file syntax has), and a few names that misbehave on purpose:
//
//	servfail.DOMAIN   SERVFAIL
//	slow.DOMAIN       an A record, after Options.SlowDelay
//	truncated.DOMAIN  TXT records too large for UDP: TC set, complete over TCP
//	any unknown name  NXDOMAIN (with the SOA, as negative answers carry)
//
// It never recurses: a question outside its zones is REFUSED.
package dnsd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Hosts finds the addresses of the testbed's servers.
type Hosts interface {
	// LookupHost returns the addresses of the server whose name (short or
	// fully qualified, without the trailing dot) is name; ok is false when
	// no server has that name.
	LookupHost(ctx context.Context, name string) (addrs []netip.Addr, ok bool, err error)
}

// Defaults of Options.
const (
	DefaultTTL       = 60
	DefaultSlowDelay = 2 * time.Second
	// lookupTimeout bounds a Hosts lookup.
	lookupTimeout = 5 * time.Second
)

// Options configure a [Server].
type Options struct {
	Domain    string        // the zone's apex, "testbed.test"
	Zone      string        // extra records in zone-file syntax; relative names are in Domain
	Hosts     Hosts         // servers' addresses; nil: no server names
	TTL       uint32        // of answers made up here (servers, SOA); 0 means DefaultTTL
	SlowDelay time.Duration // of slow.DOMAIN; 0 means DefaultSlowDelay
	Logger    *slog.Logger  // a line per query; nil discards
}

// Server answers DNS queries. Serve and ServePacket run until Close.
type Server struct {
	opts  Options
	log   *slog.Logger
	zone  *Zone
	done  chan struct{}
	once  sync.Once
	mu    sync.Mutex
	srvs  []*dns.Server
	close bool
}

// New parses the zone and makes a server.
func New(opts Options) (*Server, error) {
	if opts.Domain == "" {
		return nil, errors.New("dns: no domain")
	}
	if opts.TTL == 0 {
		opts.TTL = DefaultTTL
	}
	if opts.SlowDelay <= 0 {
		opts.SlowDelay = DefaultSlowDelay
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	z, err := NewZone(opts.Domain, opts.Zone, opts.TTL)
	if err != nil {
		return nil, fmt.Errorf("dns: %w", err)
	}
	return &Server{opts: opts, log: opts.Logger, zone: z, done: make(chan struct{})}, nil
}

// Serve answers DNS over TCP on l.
func (s *Server) Serve(l net.Listener) error {
	return s.run(&dns.Server{Listener: l, Net: "tcp", Handler: s, ReadTimeout: 10 * time.Second}, l.Addr())
}

// ServePacket answers DNS over UDP on pc.
func (s *Server) ServePacket(pc net.PacketConn) error {
	return s.run(&dns.Server{PacketConn: pc, Net: "udp", Handler: s}, pc.LocalAddr())
}

func (s *Server) run(srv *dns.Server, addr net.Addr) error {
	s.mu.Lock()
	if s.close {
		s.mu.Unlock()
		return nil
	}
	s.srvs = append(s.srvs, srv)
	s.mu.Unlock()
	err := srv.ActivateAndServe()
	s.mu.Lock()
	closed := s.close
	s.mu.Unlock()
	if closed {
		return nil
	}
	return fmt.Errorf("serve dns on %s: %w", addr, err)
}

// Close stops every Serve, ending slow answers at once.
func (s *Server) Close() error {
	s.once.Do(func() { close(s.done) })
	s.mu.Lock()
	s.close = true
	srvs := s.srvs
	s.mu.Unlock()
	var errs []error
	for _, srv := range srvs {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = srv.ShutdownContext(ctx) // "not started" when Close came first
		cancel()
		// Closing the socket also ends a serve that was still starting.
		if srv.Listener != nil {
			if err := srv.Listener.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
				errs = append(errs, err)
			}
		}
		if srv.PacketConn != nil {
			if err := srv.PacketConn.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
				errs = append(errs, err)
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close dns server: %w", err)
	}
	return nil
}
