package proxy

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"

	"github.com/testbed-dev/testbed/servers/netpolicy"
)

// realm is the Basic realm of the proxy's authentication challenge.
const realm = "testbed proxy"

const infoPage = `testbed HTTP proxy

This is a forward proxy. Send requests with an absolute URI
("GET http://web.testbed.test/ HTTP/1.1") or tunnel with
"CONNECT host:port HTTP/1.1". Only testbed servers can be reached.
`

// ServeHTTP answers one client request: CONNECT opens a tunnel, a request
// with an absolute URI is forwarded, anything else gets a short info page.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.track.Begin() {
		http.Error(w, "proxy shutting down", http.StatusServiceUnavailable)
		return
	}
	defer s.track.End()
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	stop := context.AfterFunc(s.ctx, cancel)
	defer stop()
	r = r.WithContext(ctx)

	if !s.authorized(r) {
		s.log.Info("proxy authentication required", "client", r.RemoteAddr, "method", r.Method, "uri", r.RequestURI)
		w.Header().Set("Proxy-Authenticate", `Basic realm="`+realm+`"`)
		http.Error(w, "407 proxy authentication required", http.StatusProxyAuthRequired)
		return
	}
	switch {
	case r.Method == http.MethodConnect:
		s.connect(w, r)
	case r.URL.IsAbs() && r.URL.Host != "":
		s.forward(w, r)
	case r.Method == http.MethodGet || r.Method == http.MethodHead:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		fmt.Fprint(w, infoPage)
	default:
		http.Error(w, "400 not a proxy request: use an absolute URI or CONNECT", http.StatusBadRequest)
	}
}

// authorized reports whether r carries the configured proxy credentials
// (always true without a User).
func (s *Server) authorized(r *http.Request) bool {
	if s.opts.User == "" {
		return true
	}
	scheme, cred, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Proxy-Authorization")), " ")
	if !ok || !strings.EqualFold(scheme, "Basic") {
		return false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
	if err != nil {
		return false
	}
	user, pass, ok := strings.Cut(string(raw), ":")
	if !ok {
		return false
	}
	userOK := subtle.ConstantTimeCompare([]byte(user), []byte(s.opts.User))
	passOK := subtle.ConstantTimeCompare([]byte(pass), []byte(s.opts.Password))
	return userOK&passOK == 1
}

// dialFailed answers a request whose destination could not be reached:
// 403 when the policy refused it, 504 on a timeout, 502 otherwise.
func (s *Server) dialFailed(w http.ResponseWriter, r *http.Request, dest string, err error) {
	reason := netpolicy.Classify(err)
	status := http.StatusBadGateway
	msg := fmt.Sprintf("cannot reach %s: %v", dest, err)
	switch reason {
	case netpolicy.ReasonForbidden:
		status = http.StatusForbidden
		msg = fmt.Sprintf("destination not allowed: %s", dest)
	case netpolicy.ReasonTimeout:
		status = http.StatusGatewayTimeout
	}
	s.log.Info("proxy request failed", "client", r.RemoteAddr, "method", r.Method, "destination", dest,
		"status", status, "reason", reason.String(), "err", err)
	w.Header().Set("Via", s.via(r.ProtoMajor, r.ProtoMinor))
	http.Error(w, fmt.Sprintf("%d %s", status, msg), status)
}

// via is this proxy's Via entry for a message of the given HTTP version.
func (s *Server) via(major, minor int) string {
	return fmt.Sprintf("%d.%d %s", major, minor, s.opts.Via)
}
