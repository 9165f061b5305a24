package catalog

import (
	"errors"
	"fmt"
	"net"
	"strconv"
)

// Sockets are bound ports by port key ("80/tcp"), as Env hands them to a
// kind: listeners for tcp, packet connections for udp.
type Sockets struct {
	Listeners map[string]net.Listener
	Packets   map[string]net.PacketConn
}

// Bind binds addr for the port key: a packet connection when proto is
// "udp", a tcp listener otherwise. It returns the address bound.
func (s *Sockets) Bind(key, proto, addr string) (net.Addr, error) {
	if proto == "udp" {
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, err
		}
		if s.Packets == nil {
			s.Packets = map[string]net.PacketConn{}
		}
		s.Packets[key] = pc
		return pc.LocalAddr(), nil
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	if s.Listeners == nil {
		s.Listeners = map[string]net.Listener{}
	}
	s.Listeners[key] = l
	return l.Addr(), nil
}

// Close closes every socket; closing one twice is harmless.
func (s *Sockets) Close() error {
	var errs []error
	for _, l := range s.Listeners {
		if err := l.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	for _, pc := range s.Packets {
		if err := pc.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Listen binds every port of the kind on host ("" = every interface).
// override maps a port key ("80/tcp") to the port to bind instead (0 = any
// free port). On error nothing stays bound.
func (k *Kind) Listen(host string, override map[string]int) (map[string]net.Listener, map[string]net.PacketConn, error) {
	var s Sockets
	for _, p := range k.Ports {
		port := p.Port
		if o, ok := override[p.Key()]; ok {
			port = o
		}
		if _, err := s.Bind(p.Key(), p.Proto, net.JoinHostPort(host, strconv.Itoa(port))); err != nil {
			_ = s.Close()
			return nil, nil, fmt.Errorf("%s %s: %w", k.Name, p.Key(), err)
		}
	}
	return s.Listeners, s.Packets, nil
}
