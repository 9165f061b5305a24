package proxy

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestAuth(t *testing.T) {
	e := newEnv(t, Options{User: "foo", Password: "bar"})
	tests := []struct {
		name       string
		user, pass string
		want       int
	}{
		{"no credentials", "", "", http.StatusProxyAuthRequired},
		{"wrong password", "foo", "baz", http.StatusProxyAuthRequired},
		{"wrong user", "fo", "bar", http.StatusProxyAuthRequired},
		{"right credentials", "foo", "bar", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := e.client(t, tt.user, tt.pass).Get("http://web/headers")
			if err != nil {
				t.Fatalf("Get() = %v", err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("Get() status = %d, want %d", resp.StatusCode, tt.want)
			}
			if tt.want == http.StatusProxyAuthRequired {
				if got := resp.Header.Get("Proxy-Authenticate"); got != `Basic realm="testbed proxy"` {
					t.Errorf("Proxy-Authenticate = %q, want Basic realm=\"testbed proxy\"", got)
				}
				return
			}
			if strings.Contains(string(body), "Proxy-Authorization") {
				t.Errorf("target saw Proxy-Authorization: %s", body)
			}
		})
	}
	t.Run("CONNECT without credentials", func(t *testing.T) {
		_, err := e.client(t, "", "").Get("https://secure:443/headers")
		if err == nil || !strings.Contains(err.Error(), "Proxy Authentication Required") {
			t.Errorf("Get(https) = %v, want a Proxy Authentication Required error", err)
		}
	})
	t.Run("CONNECT with credentials", func(t *testing.T) {
		resp, err := e.client(t, "foo", "bar").Get("https://secure:443/headers")
		if err != nil {
			t.Fatalf("Get(https) = %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("Get(https) status = %d, want 200", resp.StatusCode)
		}
	})
	t.Run("info page needs credentials too", func(t *testing.T) {
		resp, _ := rawRequest(t, e.proxyAddr, "GET / HTTP/1.1\r\nHost: p\r\nConnection: close\r\n\r\n")
		if resp.StatusCode != http.StatusProxyAuthRequired {
			t.Errorf("GET / status = %d, want 407", resp.StatusCode)
		}
	})
}
