package ftpd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"
)

// dataOpener establishes the data connection of the next transfer.
type dataOpener interface {
	// open accepts or dials the connection within timeout, or until ctx ends.
	open(ctx context.Context, timeout time.Duration) (net.Conn, error)
	// close releases what the opener holds (a passive listener).
	close()
}

// passiveData waits for the client on a listener opened by PASV or EPSV.
type passiveData struct {
	ln net.Listener
}

func (p *passiveData) open(ctx context.Context, timeout time.Duration) (net.Conn, error) {
	defer p.ln.Close()
	inner := p.ln
	if pl, ok := inner.(*poolListener); ok {
		inner = pl.Listener
	}
	if tl, ok := inner.(*net.TCPListener); ok {
		if err := tl.SetDeadline(time.Now().Add(timeout)); err != nil {
			return nil, fmt.Errorf("passive accept: %w", err)
		}
	}
	stop := context.AfterFunc(ctx, func() { p.ln.Close() })
	defer stop()
	c, err := p.ln.Accept()
	if err != nil {
		return nil, fmt.Errorf("passive accept: %w", err)
	}
	return c, nil
}

func (p *passiveData) close() { p.ln.Close() }

// activeData connects to the address given by PORT or EPRT.
type activeData struct {
	local netip.Addr // control connection's local address, to dial from
	addr  netip.AddrPort
}

func (a *activeData) open(ctx context.Context, timeout time.Duration) (net.Conn, error) {
	d := net.Dialer{Timeout: timeout}
	if a.local.IsValid() {
		d.LocalAddr = &net.TCPAddr{IP: a.local.AsSlice(), Zone: a.local.Zone()}
	}
	c, err := d.DialContext(ctx, "tcp", a.addr.String())
	if err != nil {
		return nil, fmt.Errorf("active connect: %w", err)
	}
	return c, nil
}

func (a *activeData) close() {}

// setData replaces the pending data connection setup.
func (s *session) setData(d dataOpener) {
	s.closeData()
	s.data = d
}

// closeData drops the pending data connection setup, if any.
func (s *session) closeData() {
	if s.data != nil {
		s.data.close()
		s.data = nil
	}
}

// refuseTransfer answers a transfer command that will not run, and drops the
// data connection setup it would have used.
func (s *session) refuseTransfer(code int, text string) {
	s.closeData()
	s.reply(code, "%s", text)
}

// takeData hands the pending setup to a transfer, or answers 425.
func (s *session) takeData() (dataOpener, bool) {
	d := s.data
	s.data = nil
	if d == nil {
		s.reply(425, "Use PORT or PASV first.")
		return nil, false
	}
	return d, true
}

// dataListenIP is the address passive listeners bind: the control
// connection's local address (loopback when the control connection is not
// TCP, as in tests over net.Pipe).
func (s *session) dataListenIP() netip.Addr {
	if ip := s.localIP(); ip.IsValid() {
		return ip
	}
	return netip.AddrFrom4([4]byte{127, 0, 0, 1})
}

// advertisedIP is the address a PASV reply names: PassiveHost for clients
// inside PublicClients, else the address the listener is bound to.
func (s *session) advertisedIP() netip.Addr {
	if s.srv.passiveHost.IsValid() {
		if remote := s.remoteIP(); remote.IsValid() {
			for _, p := range s.srv.publicClients {
				if p.Contains(remote) {
					return s.srv.passiveHost
				}
			}
		}
	}
	return s.dataListenIP()
}

// errNoPassivePort means every port of Options.PassivePorts stayed in use
// for Options.PassiveWait.
var errNoPassivePort = errors.New("every passive port is in use")

// DefaultPassiveWait is how long PASV or EPSV waits for a passive port to
// come free when every port of Options.PassivePorts is in use, before it
// answers 425, unless Options.PassiveWait says otherwise. A port is in use only from the PASV reply until the client
// connects (the listener closes then), so under load one comes free
// within milliseconds.
const DefaultPassiveWait = 10 * time.Second

// portPool tells sessions waiting for a passive port that one came free.
type portPool struct {
	mu    sync.Mutex
	freed chan struct{} // closed (and replaced) when a listener closes
}

// wait returns a channel closed at the next release.
func (p *portPool) wait() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.freed == nil {
		p.freed = make(chan struct{})
	}
	return p.freed
}

func (p *portPool) release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.freed != nil {
		close(p.freed)
		p.freed = nil
	}
}

// poolListener releases its port to the pool when closed.
type poolListener struct {
	net.Listener
	pool *portPool
	once sync.Once
}

func (l *poolListener) Close() error {
	err := l.Listener.Close()
	l.once.Do(l.pool.release)
	return err
}

// listenPassive opens a passive listener on dataListenIP: on any free port,
// or on the first free one of PassivePorts, starting after the port the
// previous listener got so that ports rotate. When all are in use it
// waits up to Options.PassiveWait for one to be released.
func (s *session) listenPassive() (net.Listener, error) {
	ip := s.dataListenIP()
	ports := s.srv.passivePorts
	if len(ports) == 0 {
		ln, err := net.Listen("tcp", netip.AddrPortFrom(ip, 0).String())
		if err != nil {
			return nil, fmt.Errorf("passive listen: %w", err)
		}
		return ln, nil
	}
	timer := time.NewTimer(s.srv.passiveWait)
	defer timer.Stop()
	for {
		freed := s.srv.pool.wait()
		start := int(s.srv.nextPort.Add(1) % uint32(len(ports)))
		for i := range ports {
			p := ports[(start+i)%len(ports)]
			ln, err := net.Listen("tcp", netip.AddrPortFrom(ip, uint16(p)).String())
			if err == nil {
				return &poolListener{Listener: ln, pool: &s.srv.pool}, nil
			}
		}
		select {
		case <-freed:
		case <-timer.C:
			return nil, errNoPassivePort
		case <-s.srv.done:
			return nil, errNoPassivePort
		}
	}
}

// allowActive reports whether an active data connection may go to addr:
// only to the client's own address (no FTP bounce, RFC 2577) and to an
// unprivileged port.
func (s *session) allowActive(addr netip.AddrPort) bool {
	remote := s.remoteIP()
	return remote.IsValid() && addr.Addr().Unmap() == remote && addr.Port() >= 1024
}
