package netpolicy

import (
	"context"
	"fmt"
	"net"
)

// DenyAll is a dialer that refuses every destination with ErrForbidden. The
// proxy and socks servers use it when they are given no dialer.
type DenyAll struct{}

// DialContext always fails with an error wrapping ErrForbidden.
func (DenyAll) DialContext(_ context.Context, network, address string) (net.Conn, error) {
	return nil, fmt.Errorf("netpolicy: dial %s %s: no destination is allowed: %w", network, address, ErrForbidden)
}
