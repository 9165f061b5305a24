package socks

import (
	"context"
	"errors"
	"io"
	"net"
	"time"

	"github.com/testbed-dev/testbed/servers/internal/conns"
)

// handle serves one client connection: handshake, connect, relay.
func (s *Server) handle(conn net.Conn) {
	defer conn.Close()
	client := conn.RemoteAddr().String()

	conn.SetDeadline(time.Now().Add(s.handshake))
	req, err := negotiate(conn, conn, s.creds)
	if err != nil {
		var re *replyError
		if errors.As(err, &re) {
			writeReply(conn, req.version, re.code, nil)
			s.log.Info("socks request refused", "client", client, "version", req.version, "user", req.user, "err", err)
		} else {
			s.log.Debug("socks handshake failed", "client", client, "version", req.version, "err", err)
		}
		if req.version != 0 {
			linger(conn)
		}
		return
	}
	dest := req.address()

	ctx, cancel := context.WithTimeout(s.ctx, DialTimeout)
	up, err := s.dialer.DialContext(ctx, "tcp", dest)
	cancel()
	conn.SetDeadline(time.Now().Add(s.handshake))
	if err != nil {
		code := replyFor(err)
		if writeReply(conn, req.version, code, nil) == nil {
			linger(conn)
		}
		s.log.Info("socks connect failed", "client", client, "user", req.user, "destination", dest, "reply", code, "err", err)
		return
	}
	if !s.track.Add(up) {
		up.Close()
		return
	}
	defer s.track.Remove(up)
	if err := writeReply(conn, req.version, repSucceeded, up.LocalAddr()); err != nil {
		up.Close()
		return
	}
	conn.SetDeadline(time.Time{})
	s.log.Debug("socks tunnel open", "client", client, "user", req.user, "destination", dest)
	conns.Relay(conn, up)
	s.log.Debug("socks tunnel closed", "client", client, "destination", dest)
}

// lingerTimeout is how long a refused client's remaining bytes are read
// after its reply; see linger.
const lingerTimeout = 500 * time.Millisecond

// linger ends the server's side of conn after a failure reply, then reads
// and drops what the client still sends for a moment, so that closing with
// unread input (which makes TCP send a reset) cannot destroy the reply
// before the client has read it.
func linger(conn net.Conn) {
	cw, ok := conn.(interface{ CloseWrite() error })
	if !ok || cw.CloseWrite() != nil {
		return
	}
	conn.SetReadDeadline(time.Now().Add(lingerTimeout))
	io.Copy(io.Discard, io.LimitReader(conn, 64<<10))
}
