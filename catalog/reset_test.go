package catalog

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/testbed-dev/testbed/probe"
)

// loopbackTarget is a kind on loopback as a readiness probe sees it.
type loopbackTarget map[string]string

func (t loopbackTarget) Addr(port int, proto string) (string, error) {
	if proto == "" {
		proto = "tcp"
	}
	a, ok := t[strconv.Itoa(port)+"/"+proto]
	if !ok {
		return "", fmt.Errorf("no port %d/%s", port, proto)
	}
	return a, nil
}

// awaitReady waits (bounded) until the kind answers its readiness probe.
func awaitReady(t *testing.T, k *Kind, r *loopbackKind) {
	t.Helper()
	resolved, err := k.ResolveOptions(nil)
	if err != nil {
		t.Fatal(err)
	}
	sp := k.Ready(resolved)
	if sp == nil {
		return
	}
	pr, err := probe.FromSpec(sp, r.clientTLS())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := probe.Wait(ctx, pr, loopbackTarget(r.addrs), probe.WaitOptions{Timeout: 20 * time.Second}); err != nil {
		t.Fatalf("%s not ready: %v\nlog:\n%s", k.Name, err, r.log.String())
	}
}

// Every kind comes back on the very same addresses after a reset, and
// answers its readiness probe there again (twice, so a reset of a reset
// works too).
func TestRunResettableEveryKind(t *testing.T) {
	for _, name := range New().Names() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			k, _ := New().Kind(name)
			r := runKindOnLoopback(t, name, nil, true, nil)
			awaitReady(t, k, r)
			for range 2 {
				r.reset(t)
				awaitReady(t, k, r)
			}
			if err := r.stop(); err != nil {
				t.Fatalf("stop after resets: %v", err)
			}
		})
	}
}

// An upload is gone after a reset: the http kind is back to its seed.
func TestResetForgetsHTTPUploads(t *testing.T) {
	r := runKindOnLoopback(t, "http", nil, false, nil)
	url := "http://" + r.addrs["80/tcp"] + "/upload/note.txt"
	do := func(method string, body io.Reader) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, url, body)
		if err != nil {
			t.Fatal(err)
		}
		req.SetBasicAuth("httptest", "httptest")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, url, err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := do(http.MethodPut, strings.NewReader("written before the reset")); code/100 != 2 {
		t.Fatalf("PUT = %d %s", code, body)
	}
	if code, body := do(http.MethodGet, nil); code != 200 || body != "written before the reset" {
		t.Fatalf("GET before the reset = %d %q", code, body)
	}
	r.reset(t)
	if code, body := do(http.MethodGet, nil); code != http.StatusNotFound {
		t.Fatalf("GET after the reset = %d %q; want 404 (the upload forgotten)", code, body)
	}
}

// A connection open at the reset is closed; a new one reaches the new run.
func TestResetClosesOpenConnections(t *testing.T) {
	r := runKindOnLoopback(t, "echo", nil, false, nil)
	c := dialRunningKind(t, r, "7/tcp", nil)
	r.reset(t)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("a connection from before the reset still reads")
	} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("a connection from before the reset was left open")
	}
	c2 := dialRunningKind(t, r, "7/tcp", nil)
	if _, err := c2.Write([]byte("hi\n")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 3)
	if _, err := io.ReadFull(c2, buf); err != nil || string(buf) != "hi\n" {
		t.Fatalf("echo after the reset = %q, %v", buf, err)
	}
}
