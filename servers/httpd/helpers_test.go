package httpd

import (
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"

	"github.com/testbed-dev/testbed/servers/testca"
)

// testServer is a Server on a plain and a TLS listener on 127.0.0.1.
type testServer struct {
	srv       *Server
	url       string // http://127.0.0.1:port
	tlsURL    string // https://127.0.0.1:port
	ca        *testca.CA
	client    *http.Client // plain, no redirects followed
	tlsClient *http.Client // trusts ca, HTTP/2 enabled, no redirects followed
}

func startServer(t testing.TB, opts Options) *testServer {
	t.Helper()
	srv, err := New(opts)
	if err != nil {
		t.Fatalf("New() = %v", err)
	}
	ca, err := testca.New("httpd test CA")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ca.TLSConfig("localhost", "127.0.0.1", "::1")
	if err != nil {
		t.Fatal(err)
	}
	plain := listen(t)
	secure := listen(t)
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	wg.Add(2)
	go func() { defer wg.Done(); errs <- srv.Serve(plain) }()
	go func() { defer wg.Done(); errs <- srv.ServeTLS(secure, cfg) }()
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	ts := &testServer{
		srv:    srv,
		url:    "http://" + plain.Addr().String(),
		tlsURL: "https://" + secure.Addr().String(),
		ca:     ca,
		client: &http.Client{Transport: &http.Transport{}, CheckRedirect: noRedirect},
		tlsClient: &http.Client{
			Transport: &http.Transport{
				TLSClientConfig:   &tls.Config{RootCAs: ca.Pool()},
				ForceAttemptHTTP2: true,
			},
			CheckRedirect: noRedirect,
		},
	}
	t.Cleanup(func() {
		ts.client.CloseIdleConnections()
		ts.tlsClient.CloseIdleConnections()
		if err := srv.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("Serve() after Close = %v, want nil", err)
			}
		}
	})
	return ts
}

func listen(t testing.TB) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// do sends a request and returns the response with its body read.
func do(t testing.TB, c *http.Client, method, url string, body io.Reader, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	return resp, data
}
