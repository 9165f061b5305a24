package httpd

import (
	"bytes"
	"crypto/tls"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/testbed-dev/testbed/servers/internal/servertest"
)

func TestHTTP2OverTLS(t *testing.T) {
	ts := startServer(t, Options{})
	resp, body := do(t, ts.tlsClient, "GET", ts.tlsURL+"/files/hello.txt", nil, nil)
	if resp.ProtoMajor != 2 {
		t.Errorf("ProtoMajor = %d, want 2", resp.ProtoMajor)
	}
	if resp.TLS == nil || resp.TLS.NegotiatedProtocol != "h2" {
		t.Errorf("negotiated protocol = %v, want h2", resp.TLS)
	}
	if string(body) != "Hello, testbed!\n" {
		t.Errorf("body = %q", body)
	}
	// HTTP/1.1 over TLS still works when the client offers only it.
	c := &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: ts.ca.Pool(), NextProtos: []string{"http/1.1"}},
	}}
	defer c.CloseIdleConnections()
	resp, _ = do(t, c, "GET", ts.tlsURL+"/", nil, nil)
	if resp.ProtoMajor != 1 {
		t.Errorf("HTTP/1.1-only client ProtoMajor = %d, want 1", resp.ProtoMajor)
	}
	// A client that does not trust the CA fails.
	if _, err := (&http.Client{}).Get(ts.tlsURL + "/"); err == nil {
		t.Error("GET without the CA = nil error, want a certificate error")
	}
}

func TestH2C(t *testing.T) {
	ts := startServer(t, Options{})
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	c := &http.Client{Transport: &http.Transport{Protocols: &p}}
	defer c.CloseIdleConnections()
	resp, _ := do(t, c, "GET", ts.url+"/", nil, nil)
	if resp.ProtoMajor != 2 || resp.StatusCode != 200 {
		t.Errorf("h2c GET / = %d HTTP/%d, want 200 over HTTP/2", resp.StatusCode, resp.ProtoMajor)
	}
}

// TestCurl runs Debian's curl, when installed, against the server.
func TestCurl(t *testing.T) {
	ts := startServer(t, Options{})
	caFile, err := ts.ca.WriteCert(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Run("digest", func(t *testing.T) {
		out := servertest.CurlOK(t, "--digest", "-u", "httptest:httptest", "--write-out", "\n%{http_code}", ts.url+"/auth/digest/x")
		if !strings.HasSuffix(out, "\n200") || !strings.Contains(out, `"authenticated": true`) {
			t.Errorf("curl --digest = %q, want 200 authenticated", out)
		}
		out = servertest.CurlOK(t, "--digest", "-u", "httptest:wrong", "--write-out", "\n%{http_code}", ts.url+"/auth/digest/x")
		if !strings.HasSuffix(out, "\n401") {
			t.Errorf("curl --digest with a wrong password = %q, want 401", out)
		}
	})
	t.Run("basic", func(t *testing.T) {
		out := servertest.CurlOK(t, "-u", "httptest:httptest", "--write-out", "\n%{http_code}", ts.url+"/auth/basic/")
		if !strings.HasSuffix(out, "\n200") {
			t.Errorf("curl -u = %q, want 200", out)
		}
	})
	t.Run("http2", func(t *testing.T) {
		out := servertest.CurlOK(t, "--http2", "--cacert", caFile, "--write-out", "\n%{http_version}", ts.tlsURL+"/files/hello.txt")
		if out != "Hello, testbed!\n\n2" {
			t.Errorf("curl --http2 = %q, want the file over HTTP/2", out)
		}
	})
	t.Run("http2 localhost name", func(t *testing.T) {
		_, port, _ := net.SplitHostPort(strings.TrimPrefix(ts.tlsURL, "https://"))
		out := servertest.CurlOK(t, "--http2", "--cacert", caFile, "--resolve", "localhost:"+port+":127.0.0.1",
			"--write-out", "%{http_version}", "-o", "/dev/null", "https://localhost:"+port+"/")
		if out != "2" {
			t.Errorf("curl --http2 https://localhost = %q, want 2", out)
		}
	})
	t.Run("range", func(t *testing.T) {
		out := servertest.CurlOK(t, "--range", "0-4", ts.url+"/files/hello.txt")
		if out != "Hello" {
			t.Errorf("curl --range 0-4 = %q, want Hello", out)
		}
	})
	t.Run("upload", func(t *testing.T) {
		src := bytes.Repeat([]byte("abc"), 1000)
		f := t.TempDir() + "/up.txt"
		if err := writeFile(f, src); err != nil {
			t.Fatal(err)
		}
		out := servertest.CurlOK(t, "--upload-file", f, "--write-out", "%{http_code}", "-o", "/dev/null", ts.url+"/upload/curl.txt")
		if out != "201" {
			t.Errorf("curl --upload-file = %q, want 201", out)
		}
		if got := servertest.CurlOK(t, ts.url+"/upload/curl.txt"); got != string(src) {
			t.Errorf("curl GET of the upload = %d bytes, want %d", len(got), len(src))
		}
	})
	t.Run("chunked and gzip", func(t *testing.T) {
		if out := servertest.CurlOK(t, "--compressed", ts.url+"/gzip"); !strings.Contains(out, `"gzipped": true`) {
			t.Errorf("curl --compressed /gzip = %q", out)
		}
		if out := servertest.CurlOK(t, "--http1.1", ts.url+"/chunked?chunks=2"); out != "chunk 1 of 2\nchunk 2 of 2\n" {
			t.Errorf("curl /chunked = %q", out)
		}
	})
}
