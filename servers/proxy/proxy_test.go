package proxy

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/testbed-dev/testbed/servers/internal/servertest"
)

func getSeen(t *testing.T, c *http.Client, u string) (seen, *http.Response) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatalf("Get(%s) = %v", u, err)
	}
	defer resp.Body.Close()
	var s seen
	if resp.StatusCode == http.StatusOK {
		if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
			t.Fatalf("Get(%s): decoding body: %v", u, err)
		}
	}
	return s, resp
}

func TestForwardGet(t *testing.T) {
	e := newEnv(t, Options{})
	c := e.client(t, "", "")
	for _, u := range []string{"http://web/headers", "http://web.testbed.test/headers", "http://" + e.target.Listener.Addr().String() + "/headers?x=1"} {
		t.Run(u, func(t *testing.T) {
			s, resp := getSeen(t, c, u)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("Get() status = %d, want 200", resp.StatusCode)
			}
			if got := s.Header.Get("Via"); got != "1.1 testbed" {
				t.Errorf("request Via at target = %q, want \"1.1 testbed\"", got)
			}
			if got := resp.Header.Get("Via"); got != "1.1 testbed" {
				t.Errorf("response Via = %q, want \"1.1 testbed\"", got)
			}
			wantHost := strings.SplitN(u, "/", 4)[2]
			if s.Host != wantHost {
				t.Errorf("Host at target = %q, want %q", s.Host, wantHost)
			}
			if !strings.HasPrefix(s.URI, "/headers") {
				t.Errorf("request URI at target = %q, want origin-form /headers...", s.URI)
			}
		})
	}
}

func TestViaPseudonym(t *testing.T) {
	e := newEnv(t, Options{Via: "squid-like"})
	s, resp := getSeen(t, e.client(t, "", ""), "http://web/headers")
	if got := s.Header.Get("Via"); got != "1.1 squid-like" {
		t.Errorf("request Via = %q, want \"1.1 squid-like\"", got)
	}
	if got := resp.Header.Get("Via"); got != "1.1 squid-like" {
		t.Errorf("response Via = %q, want \"1.1 squid-like\"", got)
	}
}

func TestForwardPostLargeBody(t *testing.T) {
	e := newEnv(t, Options{})
	body := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	resp, err := e.client(t, "", "").Post("http://web/echo", "application/octet-stream", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("Post() = %v", err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil || !bytes.Equal(got, body) {
		t.Errorf("Post() echoed %d bytes (err %v), want the %d sent", len(got), err, len(body))
	}
}

// TestForwardStreams checks that the body goes through piece by piece in
// both directions: each piece comes back before the next is sent.
func TestForwardStreams(t *testing.T) {
	e := newEnv(t, Options{})
	pr, pw := io.Pipe()
	defer pw.Close()
	req, err := http.NewRequest(http.MethodPost, "http://web/echo", pr)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := e.client(t, "", "").Do(req)
	if err != nil {
		t.Fatalf("Do() = %v", err)
	}
	defer resp.Body.Close()
	for i := range 3 {
		piece := fmt.Sprintf("piece-%d;", i)
		if _, err := io.WriteString(pw, piece); err != nil {
			t.Fatalf("writing piece %d: %v", i, err)
		}
		buf := make([]byte, len(piece))
		if _, err := io.ReadFull(resp.Body, buf); err != nil || string(buf) != piece {
			t.Fatalf("read back %q, %v; want %q", buf, err, piece)
		}
	}
	pw.Close()
	if rest, err := io.ReadAll(resp.Body); err != nil || len(rest) != 0 {
		t.Errorf("after the last piece: %q, %v; want EOF", rest, err)
	}
}

func TestForwardMethods(t *testing.T) {
	e := newEnv(t, Options{})
	c := e.client(t, "", "")
	for _, m := range []string{"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "PROPFIND"} {
		t.Run(m, func(t *testing.T) {
			req, _ := http.NewRequest(m, "http://web/headers", strings.NewReader("x"))
			resp, err := c.Do(req)
			if err != nil {
				t.Fatalf("Do() = %v", err)
			}
			defer resp.Body.Close()
			var s seen
			json.NewDecoder(resp.Body).Decode(&s)
			if resp.StatusCode != 200 || s.Method != m {
				t.Errorf("Do(%s) = %d, target saw %q; want 200 and %s", m, resp.StatusCode, s.Method, m)
			}
		})
	}
	req, _ := http.NewRequest(http.MethodHead, "http://web/hop", nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("HEAD: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("HEAD status = %d, want 200", resp.StatusCode)
	}
}

func TestConnectTLS(t *testing.T) {
	e := newEnv(t, Options{})
	c := e.client(t, "", "")
	s, resp := getSeen(t, c, "https://secure:443/headers")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("Get(https) status = %d, want 200", resp.StatusCode)
	}
	if s.Header.Get("Via") != "" {
		t.Errorf("Via inside a tunnel = %q, want none (the proxy cannot see it)", s.Header.Get("Via"))
	}
	if resp.TLS == nil {
		t.Errorf("response came without TLS")
	}
}

func TestStatusForUnreachable(t *testing.T) {
	e := newEnv(t, Options{})
	timeout := newEnv(t, Options{Dialer: timeoutDialer})
	tests := []struct {
		name string
		env  *env
		url  string
		want int
	}{
		{"forbidden name", e, "http://example.com/", http.StatusForbidden},
		{"forbidden localhost", e, "http://localhost:" + strings.Split(e.proxyAddr, ":")[1] + "/", http.StatusForbidden},
		{"forbidden address", e, "http://10.0.0.1/", http.StatusForbidden},
		{"refused", e, "http://down/", http.StatusBadGateway},
		{"timeout", timeout, "http://web/", http.StatusGatewayTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := tt.env.client(t, "", "").Get(tt.url)
			if err != nil {
				t.Fatalf("Get() = %v", err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Errorf("Get(%s) status = %d (%q), want %d", tt.url, resp.StatusCode, body, tt.want)
			}
		})
	}
	// A proxy built with no Dialer at all refuses everything.
	deny := New(Options{})
	rec := &recorder{header: http.Header{}}
	req, _ := http.NewRequest(http.MethodGet, "http://web/", nil)
	deny.ServeHTTP(rec, req)
	deny.Close()
	if rec.status != http.StatusForbidden {
		t.Errorf("New(Options{}) status = %d, want 403", rec.status)
	}
}

// recorder is a minimal http.ResponseWriter.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(s int)   { r.status = s }
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = 200
	}
	return r.body.Write(b)
}

// rawRequest sends req as bytes to the proxy and returns its answer.
func rawRequest(t *testing.T, addr, req string) (*http.Response, []byte) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("Dial() = %v", err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatalf("Write() = %v", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("ReadResponse() = %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

func TestHopByHopHeadersRemoved(t *testing.T) {
	e := newEnv(t, Options{})
	resp, body := rawRequest(t, e.proxyAddr, "GET http://web/headers HTTP/1.1\r\n"+
		"Host: web\r\n"+
		"Connection: keep-alive, X-Private\r\n"+
		"X-Private: secret\r\n"+
		"Proxy-Connection: keep-alive\r\n"+
		"Keep-Alive: timeout=5\r\n"+
		"TE: trailers\r\n"+
		"Trailer: X-T\r\n"+
		"Upgrade: websocket\r\n"+
		"Proxy-Authorization: Basic Zm9vOmJhcg==\r\n"+
		"Proxy-Authenticate: Basic\r\n"+
		"Via: 1.0 upstream\r\n"+
		"X-Kept: yes\r\n"+
		"Connection: close\r\n\r\n")
	if resp.StatusCode != 200 {
		t.Fatalf("status = %d (%q), want 200", resp.StatusCode, body)
	}
	var s seen
	if err := json.Unmarshal(body, &s); err != nil {
		t.Fatalf("decoding %q: %v", body, err)
	}
	for _, h := range []string{"Connection", "X-Private", "Proxy-Connection", "Keep-Alive", "Te", "Trailer",
		"Upgrade", "Proxy-Authorization", "Proxy-Authenticate", "Transfer-Encoding"} {
		if v, ok := s.Header[h]; ok {
			t.Errorf("target received %s: %q, want it removed", h, v)
		}
	}
	if got := s.Header.Get("X-Kept"); got != "yes" {
		t.Errorf("target X-Kept = %q, want \"yes\"", got)
	}
	if got := s.Header.Values("Via"); strings.Join(got, ", ") != "1.0 upstream, 1.1 testbed" {
		t.Errorf("target Via = %q, want [\"1.0 upstream\" \"1.1 testbed\"]", got)
	}

	resp, body = rawRequest(t, e.proxyAddr, "GET http://web/hop HTTP/1.1\r\nHost: web\r\nConnection: close\r\n\r\n")
	if string(body) != "ok" {
		t.Errorf("/hop body = %q, want \"ok\"", body)
	}
	for _, h := range []string{"X-Private", "Keep-Alive", "Proxy-Authenticate"} {
		if v, ok := resp.Header[h]; ok {
			t.Errorf("client received %s: %q, want it removed", h, v)
		}
	}
	if resp.Header.Get("X-Public") != "1" {
		t.Errorf("client X-Public = %q, want \"1\"", resp.Header.Get("X-Public"))
	}
}

func TestNotAProxyRequest(t *testing.T) {
	e := newEnv(t, Options{})
	tests := []struct {
		req  string
		want int
	}{
		{"GET / HTTP/1.1\r\nHost: proxy\r\nConnection: close\r\n\r\n", http.StatusOK},
		{"HEAD /x HTTP/1.1\r\nHost: proxy\r\nConnection: close\r\n\r\n", http.StatusOK},
		{"POST / HTTP/1.1\r\nHost: proxy\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", http.StatusBadRequest},
		{"GET ftp://web/ HTTP/1.1\r\nHost: web\r\nConnection: close\r\n\r\n", http.StatusBadRequest},
		{"CONNECT web HTTP/1.1\r\nHost: web\r\nConnection: close\r\n\r\n", http.StatusBadRequest},
		{"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", http.StatusForbidden},
		{"CONNECT down:80 HTTP/1.1\r\nHost: down:80\r\n\r\n", http.StatusBadGateway},
	}
	for _, tt := range tests {
		t.Run(strings.Fields(tt.req)[0]+" "+strings.Fields(tt.req)[1], func(t *testing.T) {
			resp, body := rawRequest(t, e.proxyAddr, tt.req)
			if resp.StatusCode != tt.want {
				t.Errorf("status = %d (%q), want %d", resp.StatusCode, body, tt.want)
			}
		})
	}
	resp, body := rawRequest(t, e.proxyAddr, tests[0].req)
	if resp.StatusCode == 200 && !strings.Contains(string(body), "forward proxy") {
		t.Errorf("info page = %q, want a text that says it is a forward proxy", body)
	}
}

func TestConnectHalfClose(t *testing.T) {
	// A target that reads until EOF, then answers with the byte count.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		n, _ := io.Copy(io.Discard, c)
		fmt.Fprintf(c, "got %d", n)
	}()
	e := newEnv(t, Options{Dialer: servertest.DialerTo(ln.Addr().String())})
	c, err := net.Dial("tcp", e.proxyAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	// The tunnel bytes follow the request at once, before the 200.
	fmt.Fprintf(c, "CONNECT sink:9 HTTP/1.1\r\nHost: sink:9\r\n\r\nhello")
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("CONNECT = %v, %v; want 200", resp, err)
	}
	io.WriteString(c, " world")
	c.(*net.TCPConn).CloseWrite()
	got, err := io.ReadAll(br)
	if err != nil || string(got) != "got 11" {
		t.Errorf("answer after half-close = %q, %v; want \"got 11\"", got, err)
	}
}
