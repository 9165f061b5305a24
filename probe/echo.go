package probe

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
)

// Echo is ready when a line written to Port comes back (echo servers).
type Echo struct {
	Port int // container port
}

var _ Probe = (*Echo)(nil)

// Check writes "testbed-probe-<random hex>\r\n" and reads until that many
// bytes or a newline came back; they must start with the token.
func (p *Echo) Check(ctx context.Context, t Target) error {
	ctx, cancel := bounded(ctx)
	defer cancel()
	var r [8]byte
	_, _ = rand.Read(r[:]) // never fails (crypto/rand)
	token := "testbed-probe-" + hex.EncodeToString(r[:])
	line := token + "\r\n"

	conn, err := dial(ctx, t, p.Port, false, nil)
	if err != nil {
		return err
	}
	defer conn.Close()
	defer follow(ctx, conn)()
	if _, err := io.WriteString(conn, line); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	buf := make([]byte, 0, len(line))
	for len(buf) < len(line) && bytes.IndexByte(buf, '\n') < 0 {
		n, err := conn.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil && len(buf) < len(token) {
			if len(buf) == 0 {
				return fmt.Errorf("sent %q, received nothing: %w", line, closedEarly(err))
			}
			return fmt.Errorf("sent %q, received %s: %w", line, quote(buf, quoteLimit), err)
		}
		if err != nil {
			break
		}
	}
	if !bytes.HasPrefix(buf, []byte(token)) {
		return fmt.Errorf("sent %q, received %s", line, quote(buf, quoteLimit))
	}
	return nil
}

// String is "echo 7".
func (p *Echo) String() string { return fmt.Sprintf("echo %d", p.Port) }
