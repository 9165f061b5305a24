package probe

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"time"
)

// bounded returns ctx, given DefaultAttempt as its deadline when it has none.
func bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, DefaultAttempt)
}

// checkPort refuses a port no server can listen on; retrying cannot fix it.
func checkPort(port int) error {
	if port < 1 || port > 65535 {
		return Permanent(fmt.Errorf("port %d is out of range 1-65535", port))
	}
	return nil
}

// addr asks t where the container's TCP port is reachable.
func addr(t Target, port int) (string, error) {
	if err := checkPort(port); err != nil {
		return "", err
	}
	a, err := t.Addr(port, "tcp")
	if err != nil {
		return "", fmt.Errorf("address of %d/tcp: %w", port, err)
	}
	return a, nil
}

// dial connects to the server's TCP port, with a TLS handshake when useTLS,
// within ctx. The connection's deadline follows ctx, and ends when ctx does.
func dial(ctx context.Context, t Target, port int, useTLS bool, cfg *tls.Config) (net.Conn, error) {
	a, err := addr(t, port)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", a)
	if err != nil {
		return nil, err
	}
	if !useTLS {
		return conn, nil
	}
	tc := tls.Client(conn, clientTLS(cfg, a))
	if err := tc.HandshakeContext(ctx); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("tls handshake with %s: %w", a, closedEarly(err))
	}
	return tc, nil
}

// clientTLS is cfg for a connection to addr: ServerName from addr's host when
// cfg sets none. With a nil cfg the certificate is not verified: a probe only
// asks whether the server answers, never trusts what it says.
func clientTLS(cfg *tls.Config, addr string) *tls.Config {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if cfg == nil {
		// #nosec G402 -- documented: without the project CA a probe skips verification.
		return &tls.Config{InsecureSkipVerify: true, ServerName: host}
	}
	c := cfg.Clone()
	if c.ServerName == "" {
		c.ServerName = host
	}
	return c
}

// follow makes conn's reads and writes end at ctx's deadline or when ctx is
// done. Call the returned stop when finished with conn.
func follow(ctx context.Context, conn net.Conn) (stop func() bool) {
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	return context.AfterFunc(ctx, func() {
		_ = conn.SetDeadline(time.Unix(1, 0))
	})
}

// quote shows at most n bytes of b, quoted, marking a cut.
func quote(b []byte, n int) string {
	if len(b) <= n {
		return fmt.Sprintf("%q", b)
	}
	return fmt.Sprintf("%q...", b[:n])
}
