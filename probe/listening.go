package probe

import (
	"errors"
	"io"
	"strings"
	"syscall"
)

// DirectReporter is a Target that knows whether its addresses reach the
// server itself, never a port proxy that accepts connections on the
// server's behalf (a local engine's container addresses, a process on
// 127.0.0.1). A TCP probe of a direct target is ready as soon as it
// connects: it needs no ProxyWindow.
type DirectReporter interface {
	// Direct reports whether Addr's addresses reach the server directly.
	Direct() bool
}

// notListening marks a check that failed only because nothing listens on
// the port yet; its message is the wrapped error's.
type notListening struct{ err error }

func (e *notListening) Error() string { return e.err.Error() }
func (e *notListening) Unwrap() error { return e.err }

// closedEarly marks err as "nothing listens" when the peer closed or reset
// the connection before sending a byte: what a port proxy does when its
// dial to the server fails. Depending on when the close lands, a client
// sees an EOF, a reset, a broken pipe, or net/http's "server closed idle
// connection" (an unexported error, known by its words).
func closedEarly(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || (err != nil && strings.Contains(err.Error(), "server closed idle connection")) {
		return &notListening{err}
	}
	return err
}

// nobodyListens reports whether a check failed only because nothing
// listens on the server's port(s) yet: every failure in err is a refused
// connection, or one a port proxy accepted and closed at once. Such a
// check costs the server nothing (the kernel or the engine answers), so
// Wait may repeat it often. A group's error qualifies when every failing
// child's does.
func nobodyListens(err error) bool {
	for depth := 0; err != nil && depth < 64; depth++ {
		switch e := err.(type) {
		case *notListening:
			return true
		case transient:
			err = e.err
			continue
		case interface{ Unwrap() []error }:
			children := e.Unwrap()
			if len(children) == 0 {
				return false
			}
			for _, c := range children {
				if !nobodyListens(c) {
					return false
				}
			}
			return true
		case interface{ Unwrap() error }:
			err = e.Unwrap()
			continue
		}
		return err == errClosedAtOnce || errors.Is(err, syscall.ECONNREFUSED)
	}
	return false
}
