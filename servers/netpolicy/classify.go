package netpolicy

import (
	"context"
	"errors"
	"net"
	"os"
	"syscall"
)

// Reason is the class of a failed dial, as proxies report it to clients.
type Reason int

// Reasons a dial fails.
const (
	ReasonOther           Reason = iota // anything not below
	ReasonForbidden                     // the policy refused the destination (ErrForbidden)
	ReasonRefused                       // the destination refused the connection (ECONNREFUSED)
	ReasonNetUnreachable                // no route to the network (ENETUNREACH)
	ReasonHostUnreachable               // no route to the host (EHOSTUNREACH), or the name does not exist
	ReasonTimeout                       // the connection or the name lookup timed out
)

var reasonNames = [...]string{"other", "forbidden", "refused", "network unreachable", "host unreachable", "timeout"}

func (r Reason) String() string {
	if r < 0 || int(r) >= len(reasonNames) {
		return "unknown"
	}
	return reasonNames[r]
}

// Classify tells why a dial failed. It looks through wrapped errors, so it
// works on what Policy.DialContext and the net package return.
func Classify(err error) Reason {
	var dnsErr *net.DNSError
	switch {
	case err == nil:
		return ReasonOther
	case errors.Is(err, ErrForbidden):
		return ReasonForbidden
	case errors.Is(err, syscall.ECONNREFUSED):
		return ReasonRefused
	case errors.Is(err, syscall.ENETUNREACH):
		return ReasonNetUnreachable
	case errors.Is(err, syscall.EHOSTUNREACH):
		return ReasonHostUnreachable
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return ReasonHostUnreachable
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded),
		errors.Is(err, syscall.ETIMEDOUT), isTimeout(err):
		return ReasonTimeout
	}
	return ReasonOther
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
