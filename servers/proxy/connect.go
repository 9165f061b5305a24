package proxy

import (
	"net"
	"net/http"
	"time"

	"github.com/testbed-dev/testbed/servers/internal/conns"
)

// connect answers a CONNECT request: it dials the destination and, once
// connected, relays bytes both ways between the client and it.
func (s *Server) connect(w http.ResponseWriter, r *http.Request) {
	dest := r.Host
	if _, _, err := net.SplitHostPort(dest); err != nil {
		http.Error(w, "400 CONNECT needs host:port", http.StatusBadRequest)
		return
	}
	up, err := s.dial(r.Context(), "tcp", dest)
	if err != nil {
		s.dialFailed(w, r, dest, err)
		return
	}
	if !s.track.Add(up) {
		up.Close()
		http.Error(w, "proxy shutting down", http.StatusServiceUnavailable)
		return
	}
	defer s.track.Remove(up)

	client, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		up.Close()
		s.log.Info("connect: hijack failed", "client", r.RemoteAddr, "err", err)
		http.Error(w, "500 cannot tunnel on this connection", http.StatusInternalServerError)
		return
	}
	if !s.track.Add(client) {
		up.Close()
		client.Close()
		return
	}
	defer s.track.Remove(client)
	// The server's read and write deadlines do not apply to a tunnel.
	client.SetDeadline(time.Time{})

	if _, err := brw.WriteString("HTTP/1.1 200 Connection established\r\n\r\n"); err == nil {
		err = brw.Flush()
	}
	if err == nil && brw.Reader.Buffered() > 0 {
		// The client sent tunnel bytes right behind its request.
		buffered, _ := brw.Reader.Peek(brw.Reader.Buffered())
		_, err = up.Write(buffered)
	}
	if err != nil {
		client.Close()
		up.Close()
		return
	}
	s.log.Debug("tunnel open", "client", r.RemoteAddr, "destination", dest)
	start := time.Now()
	conns.Relay(client, up)
	s.log.Debug("tunnel closed", "client", r.RemoteAddr, "destination", dest, "duration", time.Since(start))
}
