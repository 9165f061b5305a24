package httpd

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"os"
	"strings"
	"testing"
	"time"
)

func TestEndpoints(t *testing.T) {
	ts := startServer(t, Options{})
	tests := []struct {
		method, path string
		status       int
		contains     string // in the body
		header       string // header that must be set
	}{
		{"GET", "/", 200, "/auth/digest/", "Content-Length"},
		{"HEAD", "/", 200, "", "Content-Length"},
		{"GET", "/nope", 404, "", ""},
		{"GET", "/files/hello.txt", 200, "Hello, testbed!", "Last-Modified"},
		{"GET", "/files/index.html", 200, "It works!", "ETag"},
		{"GET", "/files/utf8.txt", 200, "日本語", ""},
		{"GET", "/files/dir/nested.txt", 200, "nested file", ""},
		{"GET", "/files/dir/sub/deep.txt", 200, "deep file", ""},
		{"GET", "/files/", 200, `href="large-1m.bin"`, ""},
		{"GET", "/files/dir/", 200, `href="sub/"`, ""},
		{"GET", "/files/dir", 301, "", "Location"},
		{"GET", "/files/missing.txt", 404, "", ""},
		{"GET", "/files/hello.txt/", 404, "", ""},
		{"POST", "/files/hello.txt", 405, "", "Allow"},
		{"GET", "/bytes/0", 200, "", ""},
		{"GET", "/bytes/x", 400, "", ""},
		{"GET", "/bytes/-1", 400, "", ""},
		{"GET", "/status/200", 200, "200 OK", ""},
		{"POST", "/status/201", 201, "201 Created", ""},
		{"GET", "/status/204", 204, "", ""},
		{"GET", "/status/301", 301, "", "Location"},
		{"GET", "/status/401", 401, "", "WWW-Authenticate"},
		{"GET", "/status/418", 418, "I'm a teapot", ""},
		{"DELETE", "/status/503", 503, "Service Unavailable", ""},
		{"GET", "/status/599", 599, "", ""},
		{"GET", "/status/103", 200, "informational", ""},
		{"GET", "/status/99", 400, "", ""},
		{"GET", "/status/600", 400, "", ""},
		{"GET", "/status/abc", 400, "", ""},
		{"GET", "/redirect/3", 302, "", "Location"},
		{"GET", "/redirect/0", 200, "redirects done", ""},
		{"GET", "/redirect/-1", 400, "", ""},
		{"GET", "/delay/0", 200, "delayed 0 ms", ""},
		{"GET", "/delay/x", 400, "", ""},
		{"GET", "/chunked", 200, "chunk 5 of 5", ""},
		{"GET", "/chunked?chunks=0", 400, "", ""},
		{"GET", "/auth/basic/", 401, "", "WWW-Authenticate"},
		{"GET", "/auth/digest/", 401, "", "WWW-Authenticate"},
		{"GET", "/upload/missing", 404, "", ""},
		{"PATCH", "/upload/x", 405, "", "Allow"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			resp, body := do(t, ts.client, tt.method, ts.url+tt.path, nil, nil)
			if resp.StatusCode != tt.status {
				t.Fatalf("%s %s status = %d, want %d (body %q)", tt.method, tt.path, resp.StatusCode, tt.status, body)
			}
			if !bytes.Contains(body, []byte(tt.contains)) {
				t.Errorf("%s %s body = %q, want it to contain %q", tt.method, tt.path, body, tt.contains)
			}
			if tt.header != "" && resp.Header.Get(tt.header) == "" {
				t.Errorf("%s %s header %s missing", tt.method, tt.path, tt.header)
			}
			if tt.method == "HEAD" && len(body) != 0 {
				t.Errorf("HEAD %s body = %d bytes, want none", tt.path, len(body))
			}
		})
	}
}

func TestRedirectChain(t *testing.T) {
	ts := startServer(t, Options{})
	resp, _ := do(t, ts.client, "GET", ts.url+"/redirect/2", nil, nil)
	if got := resp.Header.Get("Location"); got != "/redirect/1" {
		t.Errorf("Location = %q, want %q (relative)", got, "/redirect/1")
	}
	var hops int
	c := &http.Client{CheckRedirect: func(req *http.Request, via []*http.Request) error { hops = len(via); return nil }}
	resp, body := do(t, c, "GET", ts.url+"/redirect/5", nil, nil)
	if resp.StatusCode != 200 || hops != 5 || resp.Request.URL.Path != "/redirect/0" {
		t.Errorf("following /redirect/5: status %d after %d hops at %s (%q), want 200 after 5 at /redirect/0",
			resp.StatusCode, hops, resp.Request.URL.Path, body)
	}
}

func TestEcho(t *testing.T) {
	ts := startServer(t, Options{})
	for _, tc := range []struct {
		name   string
		client *http.Client
		url    string
		tls    bool
	}{
		{"http", ts.client, ts.url, false},
		{"https", ts.tlsClient, ts.tlsURL, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := do(t, tc.client, "PUT", tc.url+"/echo?a=1&a=2&b=x", strings.NewReader("hello body"),
				http.Header{"X-Test": {"yes"}})
			if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("PUT /echo = %d %s, want 200 application/json", resp.StatusCode, resp.Header.Get("Content-Type"))
			}
			var got EchoReply
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("Unmarshal() = %v", err)
			}
			if got.Method != "PUT" || got.Path != "/echo" || got.Body != "hello body" || got.TLS != tc.tls ||
				got.Query["a"][1] != "2" || got.Headers["X-Test"][0] != "yes" || got.Host != strings.TrimPrefix(tc.url, tc.name+"://") {
				t.Errorf("echo = %+v", got)
			}
		})
	}
	t.Run("binary body", func(t *testing.T) {
		_, body := do(t, ts.client, "POST", ts.url+"/echo", bytes.NewReader([]byte{0xff, 0x00, 0xfe}), nil)
		var got EchoReply
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatal(err)
		}
		if got.BodyBase64 != "/wD+" {
			t.Errorf("body_base64 = %q, want %q", got.BodyBase64, "/wD+")
		}
	})
	t.Run("too large", func(t *testing.T) {
		resp, _ := do(t, ts.client, "POST", ts.url+"/echo", io.LimitReader(patternSource{}, maxEchoBody+1), nil)
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("POST /echo of %d bytes = %d, want 413", maxEchoBody+1, resp.StatusCode)
		}
	})
}

// patternSource reads the pattern forever.
type patternSource struct{}

func (patternSource) Read(p []byte) (int, error) { Pattern(p, 0); return len(p), nil }

func TestGzip(t *testing.T) {
	ts := startServer(t, Options{})
	req, _ := http.NewRequest("GET", ts.url+"/gzip", nil)
	req.Header.Set("Accept-Encoding", "gzip") // set by hand: the transport leaves the body compressed
	resp, err := ts.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if got := resp.Header.Get("Content-Encoding"); got != "gzip" {
		t.Fatalf("Content-Encoding = %q, want gzip", got)
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatalf("gzip.NewReader() = %v", err)
	}
	var got gzipReply
	if err := json.NewDecoder(zr).Decode(&got); err != nil || !got.Gzipped {
		t.Errorf("decoded body = %+v, %v; want gzipped true", got, err)
	}
}

func TestChunked(t *testing.T) {
	ts := startServer(t, Options{})
	resp, body := do(t, ts.client, "GET", ts.url+"/chunked?chunks=3", nil, nil)
	if len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" || resp.ContentLength != -1 {
		t.Errorf("TransferEncoding = %v, ContentLength = %d; want [chunked], -1", resp.TransferEncoding, resp.ContentLength)
	}
	if want := "chunk 1 of 3\nchunk 2 of 3\nchunk 3 of 3\n"; string(body) != want {
		t.Errorf("body = %q, want %q", body, want)
	}
}

func TestDelay(t *testing.T) {
	ts := startServer(t, Options{})
	start := time.Now()
	resp, _ := do(t, ts.client, "GET", ts.url+"/delay/50", nil, nil)
	if took := time.Since(start); resp.StatusCode != 200 || took < 50*time.Millisecond {
		t.Errorf("GET /delay/50 = %d after %v, want 200 after >= 50ms", resp.StatusCode, took)
	}
	// A cancelled request is not held for the full delay.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.url+"/delay/60000", nil)
	start = time.Now()
	_, err := ts.client.Do(req)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 10*time.Second {
		t.Errorf("GET /delay/60000 with a 50ms deadline = %v after %v, want a deadline error quickly", err, time.Since(start))
	}
}

func TestKeepAlive(t *testing.T) {
	ts := startServer(t, Options{})
	conns := map[string]bool{}
	for range 5 {
		req, _ := http.NewRequest("GET", ts.url+"/files/hello.txt", nil)
		resp, err := ts.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.Close {
			t.Error("response asks to close the connection, want keep-alive")
		}
	}
	// Every request went over one connection: the echo sees the same remote address.
	for range 3 {
		_, body := do(t, ts.client, "GET", ts.url+"/echo", nil, nil)
		var e EchoReply
		if err := json.Unmarshal(body, &e); err != nil {
			t.Fatal(err)
		}
		conns[e.RemoteAddr] = true
	}
	if len(conns) != 1 {
		t.Errorf("requests used %d connections, want 1", len(conns))
	}
}

func TestCloseRemovesTempDataDir(t *testing.T) {
	srv, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := srv.DataDir()
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("data dir: %v", err)
	}
	l := listen(t)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	if err := srv.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	if err := <-done; err != nil {
		t.Errorf("Serve() = %v, want nil after Close", err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Stat(data dir) after Close = %v, want not exist", err)
	}
	if err := srv.Close(); err != nil {
		t.Errorf("second Close() = %v", err)
	}

	kept := t.TempDir()
	srv, err = New(Options{DataDir: kept})
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
	if _, err := os.Stat(kept); err != nil {
		t.Errorf("Stat(given data dir) after Close = %v, want it kept", err)
	}
}

func TestStatusInformational(t *testing.T) {
	ts := startServer(t, Options{})
	for _, c := range []struct {
		name   string
		client *http.Client
		url    string
	}{{"http", ts.client, ts.url}, {"h2", ts.tlsClient, ts.tlsURL}} {
		t.Run(c.name, func(t *testing.T) {
			var got []int
			trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, _ textproto.MIMEHeader) error {
				got = append(got, code)
				return nil
			}}
			req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), "GET", c.url+"/status/103", nil)
			resp, err := c.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 || len(got) != 1 || got[0] != 103 {
				t.Errorf("GET /status/103 = %d after 1xx %v, want 200 after [103]", resp.StatusCode, got)
			}
		})
	}
}
