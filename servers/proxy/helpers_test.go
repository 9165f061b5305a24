package proxy

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/testbed-dev/testbed/servers/internal/servertest"
	"github.com/testbed-dev/testbed/servers/netpolicy"
)

// seen is what the target server reports about a request.
type seen struct {
	Method string      `json:"method"`
	Host   string      `json:"host"`
	URI    string      `json:"uri"`
	Header http.Header `json:"header"`
}

// targetHandler is the origin server of the tests:
//
//	/headers  answers the request's method, host and headers as JSON
//	/echo     streams the request body back, flushing each piece
//	/hop      answers with hop-by-hop headers that must not reach the client
func targetHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/headers", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(seen{Method: r.Method, Host: r.Host, URI: r.RequestURI, Header: r.Header})
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		rc.EnableFullDuplex()
		w.WriteHeader(http.StatusOK)
		rc.Flush()
		buf := make([]byte, 32<<10)
		for {
			n, err := r.Body.Read(buf)
			if n > 0 {
				w.Write(buf[:n])
				rc.Flush()
			}
			if err != nil {
				return
			}
		}
	})
	mux.HandleFunc("/hop", func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Connection", "X-Private")
		h.Set("X-Private", "1")
		h.Set("Keep-Alive", "timeout=5")
		h.Set("Proxy-Authenticate", `Basic realm="elsewhere"`)
		h.Set("X-Public", "1")
		io.WriteString(w, "ok")
	})
	return mux
}

// env is a proxy in front of one target server reachable as "web:80",
// "web.testbed.test:80" and its own 127.0.0.1 address, plus a TLS target as
// "secure:443", and a closed port as "down:80".
type env struct {
	target    *httptest.Server
	tlsTarget *httptest.Server
	proxy     *Server
	proxyAddr string
}

func newEnv(t testing.TB, opts Options) *env {
	t.Helper()
	e := &env{
		target:    httptest.NewServer(targetHandler()),
		tlsTarget: httptest.NewTLSServer(targetHandler()),
	}
	t.Cleanup(e.target.Close)
	t.Cleanup(e.tlsTarget.Close)
	if opts.Dialer == nil {
		opts.Dialer = &netpolicy.Policy{
			Domain: "testbed.test",
			Map: map[string]string{
				"web:80":     e.target.Listener.Addr().String(),
				"secure:443": e.tlsTarget.Listener.Addr().String(),
				"down:80":    servertest.ClosedPort(t),
			},
		}
	}
	e.proxy = New(opts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("Listen() = %v", err)
	}
	e.proxyAddr = ln.Addr().String()
	served := make(chan error, 1)
	go func() { served <- e.proxy.Serve(ln) }()
	t.Cleanup(func() {
		if err := e.proxy.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("Serve() = %v, want nil after Close", err)
		}
	})
	return e
}

// client returns an HTTP client that goes through the proxy, with the given
// proxy credentials ("" for none).
func (e *env) client(t testing.TB, user, pass string) *http.Client {
	t.Helper()
	u := &url.URL{Scheme: "http", Host: e.proxyAddr}
	if user != "" {
		u.User = url.UserPassword(user, pass)
	}
	tr := &http.Transport{Proxy: http.ProxyURL(u), TLSClientConfig: e.tlsTarget.Client().Transport.(*http.Transport).TLSClientConfig.Clone()}
	tr.TLSClientConfig.ServerName = "example.com" // the name in httptest's certificate
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// timeoutDialer fails every dial the way a dial that timed out does.
var timeoutDialer = servertest.DialerFunc(func(context.Context, string, string) (net.Conn, error) {
	return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.Join(errors.New("i/o timeout"), context.DeadlineExceeded)}
})
