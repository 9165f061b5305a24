// Package dockertest watches a program talk to a Docker engine: a proxy on
// a unix socket of its own forwards every request to the real engine and
// counts them by route ("POST /containers/{id}/start"), so tests and
// benchmarks can assert how many engine calls an operation makes, and that
// an unchanged spec builds nothing.
package dockertest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// DefaultEngine is the engine socket used when DOCKER_HOST names none.
const DefaultEngine = "unix:///var/run/docker.sock"

// Proxy counts the engine requests that pass through it.
type Proxy struct {
	// Host is the proxy's address in DOCKER_HOST form ("unix:///.../engine.sock").
	Host string

	srv *http.Server
	ln  net.Listener

	mu     sync.Mutex
	counts map[string]int
}

// NewProxy listens on a socket in dir and forwards to engineHost, a
// "unix://" DOCKER_HOST value ("" = $DOCKER_HOST, else DefaultEngine).
func NewProxy(dir, engineHost string) (*Proxy, error) {
	if engineHost == "" {
		engineHost = os.Getenv("DOCKER_HOST")
	}
	if engineHost == "" {
		engineHost = DefaultEngine
	}
	sock, ok := strings.CutPrefix(engineHost, "unix://")
	if !ok {
		return nil, fmt.Errorf("dockertest: engine %s is not on a unix socket", engineHost)
	}
	path := filepath.Join(dir, "engine.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("dockertest: %w", err)
	}
	p := &Proxy{Host: "unix://" + path, ln: ln, counts: map[string]int{}}
	var d net.Dialer
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(&url.URL{Scheme: "http", Host: "docker"})
			r.Out.Host = "docker"
		},
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				return d.DialContext(ctx, "unix", sock)
			},
			MaxIdleConnsPerHost: 16,
		},
		FlushInterval: -1, // stream (waits, logs, build output) as it comes
	}
	p.srv = &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p.mu.Lock()
			p.counts[Route(r.Method, r.URL.Path)]++
			p.mu.Unlock()
			rp.ServeHTTP(w, r)
		}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go p.srv.Serve(ln)
	return p, nil
}

// Counts returns the requests so far by route.
func (p *Proxy) Counts() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.counts)
}

// Reset forgets the counts.
func (p *Proxy) Reset() {
	p.mu.Lock()
	p.counts = map[string]int{}
	p.mu.Unlock()
}

// Close stops the proxy, cutting any request still streaming.
func (p *Proxy) Close() error {
	err := p.srv.Close()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// collections are the API's resource kinds whose second path segment is a
// name or id unless it is one of the collection's own verbs.
var collections = map[string]map[string]bool{
	"containers": {"create": true, "json": true, "prune": true},
	"images":     {"create": true, "json": true, "load": true, "prune": true, "search": true, "get": true},
	"networks":   {"create": true, "prune": true},
	"volumes":    {"create": true, "prune": true},
	"exec":       {},
}

// Route names a request without its API version and ids:
// "POST /v1.41/containers/3f2a.../start" is "POST /containers/{id}/start",
// "GET /v1.41/images/testbed/builtin:ab12/json" is "GET /images/{name}/json".
func Route(method, path string) string {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if len(segs) > 0 && strings.HasPrefix(segs[0], "v1.") {
		segs = segs[1:]
	}
	if len(segs) >= 2 {
		if verbs, ok := collections[segs[0]]; ok && !verbs[segs[1]] {
			name := "{id}"
			if segs[0] == "images" {
				name = "{name}"
				// image names hold slashes: the last segment is the action
				// when there is one.
				switch last := segs[len(segs)-1]; last {
				case "json", "history", "push", "tag", "get":
					segs = []string{segs[0], name, last}
				default:
					segs = []string{segs[0], name}
				}
			} else {
				segs[1] = name
			}
		}
	}
	return method + " /" + strings.Join(segs, "/")
}
