package sftpd

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/testbed-dev/testbed/servers/internal/conns"
)

// ServeHostKey serves the host key over HTTPS on l with cfg (a certificate
// a client already trusts, the project CA's), so that a client can pin the
// key before its first SSH connection:
//
//	GET /host-key  the public host key, "ssh-ed25519 AAAA...\n"
//
// It returns nil after Close.
func (s *Server) ServeHostKey(l net.Listener, cfg *tls.Config) error {
	mux := http.NewServeMux()
	line := ssh.MarshalAuthorizedKey(s.HostKey())
	mux.HandleFunc("GET /host-key", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write(line)
	})
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	if !s.track.AddListener(hs) {
		l.Close()
		return nil
	}
	defer s.track.RemoveListener(hs)
	err := hs.Serve(tls.NewListener(conns.NewListener(l, s.log), cfg))
	if errors.Is(err, http.ErrServerClosed) || s.track.Closed() {
		return nil
	}
	return fmt.Errorf("serve sftp host key on %s: %w", l.Addr(), err)
}
