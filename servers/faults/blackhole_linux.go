package faults

import (
	"context"
	"fmt"
	"net"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// blackhole turns l into a port whose TCP handshakes never complete, and
// returns what keeps it so (to close with l). It sets the listen backlog
// to 0 and fills the accept queue with one connection of its own that is
// never accepted: with a full accept queue the kernel drops every SYN
// without an answer, so a client's connect times out (no RST). It needs no
// capability. (A socket filter that drops every packet does the same, but
// some kernels and container runtimes refuse it without CAP_NET_ADMIN.)
func blackhole(l net.Listener) (net.Listener, net.Conn, error) {
	l, err := plainTCP(l)
	if err != nil {
		return nil, nil, err
	}
	raw, err := l.(syscall.Conn).SyscallConn()
	if err != nil {
		l.Close()
		return nil, nil, err
	}
	var lerr error
	if err := raw.Control(func(fd uintptr) { lerr = unix.Listen(int(fd), 0) }); err != nil || lerr != nil {
		l.Close()
		return nil, nil, fmt.Errorf("blackhole: listen backlog 0: %w", firstErr(err, lerr))
	}
	addr := l.Addr().(*net.TCPAddr)
	self := &net.TCPAddr{IP: addr.IP, Port: addr.Port}
	if addr.IP.IsUnspecified() {
		self.IP = net.IPv4(127, 0, 0, 1)
	}
	filler, err := net.DialTimeout("tcp", self.String(), 5*time.Second)
	if err != nil {
		l.Close()
		return nil, nil, fmt.Errorf("blackhole: fill the accept queue: %w", err)
	}
	return l, filler, nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// plainTCP returns l, or when l is a Multipath TCP socket (Go's default for
// listeners on Linux), a plain TCP listener in its place on the same
// address, so that the backlog of the socket it listens on is the one
// clients meet.
func plainTCP(l net.Listener) (net.Listener, error) {
	sc, ok := l.(syscall.Conn)
	if !ok {
		return nil, fmt.Errorf("blackhole: listener %T has no socket", l)
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil, err
	}
	proto, serr := 0, error(nil)
	if err := raw.Control(func(fd uintptr) {
		proto, serr = unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_PROTOCOL)
	}); err != nil {
		return nil, err
	}
	if serr != nil || proto == unix.IPPROTO_TCP {
		return l, nil
	}
	addr := l.Addr().String()
	l.Close()
	var lc net.ListenConfig
	lc.SetMultipathTCP(false)
	nl, err := lc.Listen(context.Background(), "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen again on %s as plain TCP: %w", addr, err)
	}
	return nl, nil
}
