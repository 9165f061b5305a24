package probe

import (
	"context"
	"crypto/tls"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func httpHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {})
	mux.HandleFunc("/down", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, strings.Repeat("database unreachable ", 10), http.StatusServiceUnavailable)
	})
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/down", http.StatusFound)
	})
	mux.HandleFunc("/teapot", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	mux.HandleFunc("/host", func(w http.ResponseWriter, r *http.Request) {
		// Host must be the address the probe dialled.
		local := r.Context().Value(http.LocalAddrContextKey).(net.Addr).String()
		if r.Host != local || r.Method != http.MethodGet {
			http.Error(w, r.Method+" "+r.Host, http.StatusBadRequest)
		}
	})
	mux.HandleFunc("/query", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.RawQuery != "full=1&x=a%20b" {
			http.Error(w, r.URL.RawQuery, http.StatusBadRequest)
		}
	})
	return mux
}

func TestHTTP(t *testing.T) {
	srv := httptest.NewServer(httpHandler())
	defer srv.Close()
	at := addrs{8080: srv.Listener.Addr().String()}

	tests := []struct {
		path   string
		status int
		want   string
	}{
		{"/ok", 200, ""},
		{"/ok", 0, ""},
		{"", 404, ""}, // "" is "/", which the mux does not serve
		{"/host", 200, ""},
		{"/query?full=1&x=a%20b", 200, ""},
		{"/moved", 0, ""}, // 302 counts as ready; not followed
		{"/moved", 302, ""},
		{"/moved", 200, "status 302 Found, want 200"},
		{"/down", 0, `status 503 Service Unavailable, want 200-399 (body "database unreachable database unreachable database unreachable d"...)`},
		{"/teapot", 0, "status 418 I'm a teapot, want 200-399"},
		{"/teapot", 418, ""},
		{"/nowhere", 200, "status 404 Not Found, want 200"},
	}
	for _, tt := range tests {
		p := &HTTP{Port: 8080, Path: tt.path, Status: tt.status}
		t.Run(p.String(), func(t *testing.T) {
			checkErr(t, "Check()", p.Check(context.Background(), at), tt.want)
		})
	}
}

func TestHTTPRefusedAndBadPath(t *testing.T) {
	err := (&HTTP{Port: 80}).Check(context.Background(), addrs{80: refused(t)})
	checkErr(t, "Check(refused)", err, "connection refused")
	if isPermanent(err) {
		t.Errorf("Check(refused) is permanent, want retryable")
	}
	err = (&HTTP{Port: 80, Path: "healthz"}).Check(context.Background(), addrs{80: refused(t)})
	checkErr(t, "Check(bad path)", err, `path: "healthz" does not start with a single /`)
	if !isPermanent(err) {
		t.Errorf("Check(bad path) = %v, want permanent", err)
	}
}

func TestHTTPNoKeepAlive(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(httpHandler())
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	p := &HTTP{Port: 80, Path: "/ok"}
	at := addrs{80: srv.Listener.Addr().String()}
	for i := range 3 {
		if err := p.Check(context.Background(), at); err != nil {
			t.Fatalf("Check() #%d = %v", i, err)
		}
	}
	if got := conns.Load(); got != 3 {
		t.Errorf("connections = %d, want 3 (one per check, no keep-alive)", got)
	}
}

func TestHTTPS(t *testing.T) {
	srvCfg, trusting := testCA(t)
	srv := httptest.NewUnstartedServer(httpHandler())
	srv.TLS = srvCfg
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // handshake failures are expected
	srv.StartTLS()
	defer srv.Close()
	at := addrs{443: srv.Listener.Addr().String()}

	tests := []struct {
		name string
		cfg  *tls.Config
		want string
	}{
		{"trusted", trusting, ""},
		{"nil config skips verification", nil, ""},
		{"unknown CA", untrusting(), "certificate signed by unknown authority"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &HTTP{Port: 443, Path: "/host", Status: 200, TLS: true, Config: tt.cfg}
			checkErr(t, "Check()", p.Check(context.Background(), at), tt.want)
		})
	}
	// Plain HTTP to the TLS port is answered 400 by net/http.
	p := &HTTP{Port: 443, Path: "/ok"}
	checkErr(t, "Check(http on https)", p.Check(context.Background(), at), "status 400 Bad Request")
}
