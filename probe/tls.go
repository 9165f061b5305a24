package probe

import (
	"context"
	"crypto/tls"
	"fmt"
)

// TLS is ready when a TLS handshake on Port completes.
type TLS struct {
	Port int // container port
	// Config trusts the project CA; ServerName defaults to the address's
	// host. Nil skips certificate verification.
	Config *tls.Config
}

var _ Probe = (*TLS)(nil)

// Check connects, completes a handshake and closes the connection.
func (p *TLS) Check(ctx context.Context, t Target) error {
	ctx, cancel := bounded(ctx)
	defer cancel()
	conn, err := dial(ctx, t, p.Port, true, p.Config)
	if err != nil {
		return err
	}
	return conn.Close()
}

// String is "tls 443".
func (p *TLS) String() string { return fmt.Sprintf("tls %d", p.Port) }
