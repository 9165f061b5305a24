package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"regexp"
)

// Banner is ready when the first bytes the server sends on Port match Expect,
// after Send is written when it is not empty. At most BannerLimit bytes are
// read.
type Banner struct {
	Port   int            // container port
	Send   string         // written first, byte for byte; "" sends nothing
	Expect *regexp.Regexp // matched against everything received so far
	TLS    bool           // implicit TLS on the port
	// Config trusts the project CA when TLS is set; nil skips verification.
	Config *tls.Config
}

var _ Probe = (*Banner)(nil)

// quoteLimit is how much of a wrong answer an error quotes.
const quoteLimit = 80

// Check connects, writes Send and reads until Expect matches, the peer stops
// sending, BannerLimit bytes arrived, or ctx ends.
func (p *Banner) Check(ctx context.Context, t Target) error {
	if p.Expect == nil {
		return Permanent(errors.New("banner probe has no expected pattern"))
	}
	ctx, cancel := bounded(ctx)
	defer cancel()
	conn, err := dial(ctx, t, p.Port, p.TLS, p.Config)
	if err != nil {
		return err
	}
	defer conn.Close()
	defer follow(ctx, conn)()
	if p.Send != "" {
		if _, err := io.WriteString(conn, p.Send); err != nil {
			return fmt.Errorf("send: %w", err)
		}
	}
	buf := make([]byte, 0, BannerLimit)
	for len(buf) < BannerLimit {
		n, err := conn.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if p.Expect.Match(buf) {
			return nil
		}
		if err != nil {
			if len(buf) == 0 {
				return fmt.Errorf("received nothing: %w", closedEarly(err))
			}
			return fmt.Errorf("received %s, no match for %s: %w", quote(buf, quoteLimit), p.Expect, err)
		}
	}
	return fmt.Errorf("received %s (%d bytes), no match for %s", quote(buf, quoteLimit), len(buf), p.Expect)
}

// String is "banner ^220  on 21"; `banner ^\+PONG after "PING\r\n" on 6379`
// with Send; "on 993/tls" with TLS.
func (p *Banner) String() string {
	s := "banner "
	if p.Expect != nil {
		s += p.Expect.String()
	}
	if p.Send != "" {
		s += fmt.Sprintf(" after %q", p.Send)
	}
	s += fmt.Sprintf(" on %d", p.Port)
	if p.TLS {
		s += "/tls"
	}
	return s
}
