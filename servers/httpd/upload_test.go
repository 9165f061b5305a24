package httpd

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

func TestUpload(t *testing.T) {
	dir := t.TempDir()
	ts := startServer(t, Options{DataDir: dir})
	const size = 5<<20 + 3
	data := make([]byte, size)
	Pattern(data, 7)

	for _, c := range []struct {
		name   string
		client *http.Client
		url    string
	}{{"http", ts.client, ts.url}, {"h2", ts.tlsClient, ts.tlsURL}} {
		t.Run(c.name, func(t *testing.T) {
			u := c.url + "/upload/data-" + c.name + ".bin"
			resp, body := do(t, c.client, "PUT", u, bytes.NewReader(data), nil)
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("PUT = %d %s, want 201", resp.StatusCode, body)
			}
			stored, err := os.ReadFile(filepath.Join(dir, "data-"+c.name+".bin"))
			if err != nil || !bytes.Equal(stored, data) {
				t.Fatalf("stored file = %d bytes, %v; want the %d uploaded", len(stored), err, size)
			}
			resp, body = do(t, c.client, "GET", u, nil, nil)
			if resp.StatusCode != 200 || !bytes.Equal(body, data) {
				t.Errorf("GET = %d, %d bytes; want 200, the upload", resp.StatusCode, len(body))
			}
			resp, body = do(t, c.client, "GET", u, nil, http.Header{"Range": {"bytes=4000000-4000099"}})
			if resp.StatusCode != 206 || !bytes.Equal(body, data[4000000:4000100]) {
				t.Errorf("GET range = %d, %d bytes; want 206, 100 bytes", resp.StatusCode, len(body))
			}
			resp, _ = do(t, c.client, "PUT", u, bytes.NewReader([]byte("small")), nil)
			if resp.StatusCode != http.StatusNoContent {
				t.Errorf("PUT replacing = %d, want 204", resp.StatusCode)
			}
			_, body = do(t, c.client, "GET", u, nil, nil)
			if string(body) != "small" {
				t.Errorf("GET after replace = %q, want %q", body, "small")
			}
			if resp, _ := do(t, c.client, "DELETE", u, nil, nil); resp.StatusCode != http.StatusNoContent {
				t.Errorf("DELETE = %d, want 204", resp.StatusCode)
			}
			if resp, _ := do(t, c.client, "DELETE", u, nil, nil); resp.StatusCode != http.StatusNotFound {
				t.Errorf("second DELETE = %d, want 404", resp.StatusCode)
			}
			if resp, _ := do(t, c.client, "GET", u, nil, nil); resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET after DELETE = %d, want 404", resp.StatusCode)
			}
		})
	}

	t.Run("bad names", func(t *testing.T) {
		for _, name := range []string{".hidden", "a..b", "sp%20ace", "a%2Fb", "%2E%2E", "x%00y", "caf%C3%A9"} {
			resp, _ := do(t, ts.client, "PUT", ts.url+"/upload/"+name, bytes.NewReader([]byte("x")), nil)
			if resp.StatusCode != http.StatusBadRequest {
				t.Errorf("PUT /upload/%s = %d, want 400", name, resp.StatusCode)
			}
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 0 {
			t.Errorf("data dir holds %d entries after refused uploads, want 0", len(entries))
		}
	})

	t.Run("aborted upload leaves nothing", func(t *testing.T) {
		req, _ := http.NewRequest("PUT", ts.url+"/upload/partial", io.MultiReader(bytes.NewReader(data[:1000]), failingReader{}))
		req.ContentLength = int64(len(data))
		if resp, err := ts.client.Do(req); err == nil {
			resp.Body.Close()
		}
		if resp, _ := do(t, ts.client, "GET", ts.url+"/upload/partial", nil, nil); resp.StatusCode != 404 {
			t.Errorf("GET after an aborted PUT = %d, want 404", resp.StatusCode)
		}
	})
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }

func TestValidUploadName(t *testing.T) {
	for name, want := range map[string]bool{
		"a": true, "file.bin": true, "A-b_c.1": true,
		"": false, ".": false, "..": false, ".x": false, "a/b": false, "a..b": false, "a b": false,
		string(make([]byte, 256)): false,
	} {
		if got := validUploadName(name); got != want {
			t.Errorf("validUploadName(%q) = %v, want %v", name, got, want)
		}
	}
}

func writeFile(name string, data []byte) error { return os.WriteFile(name, data, 0o600) }
