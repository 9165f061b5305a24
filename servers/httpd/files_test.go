package httpd

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"testing"
)

func TestPattern(t *testing.T) {
	for _, tc := range []struct {
		off int64
		n   int
	}{{0, 0}, {0, 1}, {0, 251}, {0, 252}, {7, 1000}, {250, 5000}, {1 << 33, 70000}} {
		p := make([]byte, tc.n)
		Pattern(p, tc.off)
		for j, b := range p {
			if want := byte((tc.off + int64(j)) % 251); b != want {
				t.Fatalf("Pattern(off=%d, n=%d)[%d] = %d, want %d", tc.off, tc.n, j, b, want)
			}
		}
	}
}

func TestPatternReaderSeek(t *testing.T) {
	r := &patternReader{size: 1000}
	if pos, err := r.Seek(-10, io.SeekEnd); pos != 990 || err != nil {
		t.Fatalf("Seek(-10, End) = %d, %v; want 990", pos, err)
	}
	rest, _ := io.ReadAll(r)
	if len(rest) != 10 || rest[0] != byte(990%251) {
		t.Errorf("ReadAll after seek = %v, want 10 bytes from 990", rest)
	}
	if _, err := r.Seek(-1, io.SeekStart); err == nil {
		t.Error("Seek(-1, Start) = nil error, want error")
	}
}

func TestBytes(t *testing.T) {
	ts := startServer(t, Options{})
	const n = 300000
	resp, body := do(t, ts.client, "GET", ts.url+"/bytes/"+strconv.Itoa(n), nil, nil)
	if resp.StatusCode != 200 || resp.ContentLength != n || len(body) != n {
		t.Fatalf("GET /bytes/%d = %d, Content-Length %d, %d bytes", n, resp.StatusCode, resp.ContentLength, len(body))
	}
	want := make([]byte, n)
	Pattern(want, 0)
	if !bytes.Equal(body, want) {
		t.Error("GET /bytes body differs from the pattern")
	}

	t.Run("10GiB HEAD and range", func(t *testing.T) {
		const huge = 10 << 30
		resp, _ := do(t, ts.client, "HEAD", ts.url+"/bytes/"+strconv.Itoa(huge), nil, nil)
		if resp.ContentLength != huge || resp.Header.Get("Accept-Ranges") != "bytes" {
			t.Errorf("HEAD /bytes/10GiB Content-Length = %d, Accept-Ranges %q; want %d, bytes",
				resp.ContentLength, resp.Header.Get("Accept-Ranges"), int64(huge))
		}
		resp, body := do(t, ts.client, "GET", ts.url+"/bytes/"+strconv.Itoa(huge), nil,
			http.Header{"Range": {fmt.Sprintf("bytes=%d-", huge-100)}})
		want := make([]byte, 100)
		Pattern(want, huge-100)
		if resp.StatusCode != 206 || !bytes.Equal(body, want) {
			t.Errorf("last 100 bytes of 10GiB = %d %v, want 206 and the pattern", resp.StatusCode, body)
		}
	})
	t.Run("too large", func(t *testing.T) {
		resp, _ := do(t, ts.client, "GET", ts.url+"/bytes/"+strconv.Itoa(MaxBytes+1), nil, nil)
		if resp.StatusCode != 400 {
			t.Errorf("GET /bytes/MaxBytes+1 = %d, want 400", resp.StatusCode)
		}
	})
}

func TestRanges(t *testing.T) {
	ts := startServer(t, Options{})
	large := make([]byte, LargeFileSize)
	Pattern(large, 0)
	tests := []struct {
		path, rng string
		status    int
		want      []byte
	}{
		{"/files/hello.txt", "bytes=0-4", 206, []byte("Hello")},
		{"/files/hello.txt", "bytes=-2", 206, []byte("!\n")},
		{"/files/hello.txt", "bytes=100-", 416, nil},
		{"/files/large-1m.bin", "bytes=1000-1999", 206, large[1000:2000]},
		{"/files/large-1m.bin", "bytes=1048000-", 206, large[1048000:]},
		{"/bytes/5000", "bytes=251-501", 206, large[251:502]},
		{"/bytes/5000", "bytes=4990-6000", 206, large[4990:5000]},
	}
	for _, tt := range tests {
		t.Run(tt.path+" "+tt.rng, func(t *testing.T) {
			for _, c := range []struct {
				name   string
				client *http.Client
				url    string
			}{{"http", ts.client, ts.url}, {"h2", ts.tlsClient, ts.tlsURL}} {
				resp, body := do(t, c.client, "GET", c.url+tt.path, nil, http.Header{"Range": {tt.rng}})
				if resp.StatusCode != tt.status {
					t.Fatalf("%s: status = %d, want %d", c.name, resp.StatusCode, tt.status)
				}
				if tt.want != nil && !bytes.Equal(body, tt.want) {
					t.Errorf("%s: body = %d bytes %.20q, want %d bytes %.20q", c.name, len(body), body, len(tt.want), tt.want)
				}
			}
		})
	}
	t.Run("multipart", func(t *testing.T) {
		resp, body := do(t, ts.client, "GET", ts.url+"/files/hello.txt", nil, http.Header{"Range": {"bytes=0-1,7-13"}})
		if resp.StatusCode != 206 || !bytes.Contains(body, []byte("testbed")) ||
			!bytes.HasPrefix([]byte(resp.Header.Get("Content-Type")), []byte("multipart/byteranges")) {
			t.Errorf("multi-range = %d %s, want 206 multipart/byteranges", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	})
}

func TestConditional(t *testing.T) {
	ts := startServer(t, Options{})
	resp, _ := do(t, ts.client, "GET", ts.url+"/files/hello.txt", nil, nil)
	lm, etag := resp.Header.Get("Last-Modified"), resp.Header.Get("ETag")
	if lm != "Mon, 01 Jan 2024 00:00:00 GMT" || etag == "" {
		t.Fatalf("Last-Modified = %q, ETag = %q; want the fixed date and an ETag", lm, etag)
	}
	for _, h := range []http.Header{{"If-Modified-Since": {lm}}, {"If-None-Match": {etag}}} {
		resp, body := do(t, ts.client, "GET", ts.url+"/files/hello.txt", nil, h)
		if resp.StatusCode != 304 || len(body) != 0 {
			t.Errorf("GET with %v = %d, %d bytes; want 304, empty", h, resp.StatusCode, len(body))
		}
	}
	resp, _ = do(t, ts.client, "GET", ts.url+"/files/hello.txt", nil,
		http.Header{"If-Modified-Since": {"Sun, 31 Dec 2023 00:00:00 GMT"}})
	if resp.StatusCode != 200 {
		t.Errorf("GET with an older If-Modified-Since = %d, want 200", resp.StatusCode)
	}
	resp, _ = do(t, ts.client, "HEAD", ts.url+"/files/large-1m.bin", nil, nil)
	if resp.ContentLength != LargeFileSize {
		t.Errorf("HEAD large-1m.bin Content-Length = %d, want %d", resp.ContentLength, LargeFileSize)
	}
}
