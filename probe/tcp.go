package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// ProxyWindow is how long a TCP probe listens after connecting for the
// connection to be closed at once. A port published through a container
// engine's userland proxy accepts connections even when nothing listens in
// the container, then closes them as soon as its own dial fails; a real
// server keeps the connection open (or greets). Closing within the window is
// taken as "not listening yet".
const ProxyWindow = 20 * time.Millisecond

// TCP is ready when a TCP connection to Port succeeds and is not closed at
// once.
type TCP struct {
	Port int // container port
}

var _ Probe = (*TCP)(nil)

// errClosedAtOnce is a connection closed before any byte arrived.
var errClosedAtOnce = errors.New("connection accepted then closed at once (nothing listens behind the published port yet)")

// Check connects, waits ProxyWindow for an immediate close, and closes.
// A target that reaches the server directly (a DirectReporter saying so)
// is ready as soon as the connection is made.
func (p *TCP) Check(ctx context.Context, t Target) error {
	ctx, cancel := bounded(ctx)
	defer cancel()
	conn, err := dial(ctx, t, p.Port, false, nil)
	if err != nil {
		return err
	}
	defer conn.Close()
	if d, ok := t.(DirectReporter); ok && d.Direct() {
		return nil
	}
	return notClosedAtOnce(conn)
}

// notClosedAtOnce reads for ProxyWindow: data or silence is a live server,
// EOF or a reset is not.
func notClosedAtOnce(conn net.Conn) error {
	conn.SetReadDeadline(time.Now().Add(ProxyWindow))
	var b [1]byte
	_, err := conn.Read(b[:])
	var ne net.Error
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ne) && ne.Timeout():
		return nil
	case errors.Is(err, io.EOF):
		return errClosedAtOnce
	}
	return fmt.Errorf("connection failed at once: %w", closedEarly(err))
}

// String is "tcp 80".
func (p *TCP) String() string { return fmt.Sprintf("tcp %d", p.Port) }
