package probe

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// HTTP is ready when a GET of Path on Port answers Status. Redirects are not
// followed: a 301 is the answer. Use a pointer; it must not be copied after
// its first Check.
type HTTP struct {
	Port   int    // container port
	Path   string // request target with optional query, like "/healthz?full=1"; "" means "/"
	Status int    // the status wanted; 0 accepts any of 200-399
	TLS    bool   // https
	// Config trusts the project CA for https; nil skips verification.
	Config *tls.Config

	once   sync.Once
	client *http.Client
	target *url.URL
	bad    error // Path does not parse
}

var _ Probe = (*HTTP)(nil)

// bodyPeek is how much of a wrong answer's body an error quotes.
const bodyPeek = 64

// Check sends one GET with Host set to the server's address, on a connection
// of its own (no keep-alive, no proxy).
func (p *HTTP) Check(ctx context.Context, t Target) error {
	p.once.Do(p.init)
	if p.bad != nil {
		return p.bad
	}
	ctx, cancel := bounded(ctx)
	defer cancel()
	a, err := addr(t, p.Port)
	if err != nil {
		return err
	}
	u := *p.target
	u.Scheme, u.Host = p.scheme(), a
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return Permanent(fmt.Errorf("request: %w", err))
	}
	req.Header.Set("User-Agent", "testbed-probe")
	resp, err := p.client.Do(req)
	if err != nil {
		return closedEarly(err)
	}
	defer resp.Body.Close()
	if p.wants(resp.StatusCode) {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return nil
	}
	peek, _ := io.ReadAll(io.LimitReader(resp.Body, bodyPeek+1))
	msg := fmt.Sprintf("status %s, want %s", resp.Status, p.want())
	if len(peek) > 0 {
		msg += fmt.Sprintf(" (body %s)", quote(peek, bodyPeek))
	}
	return errors.New(msg)
}

func (p *HTTP) init() {
	p.target, p.bad = parsePath(p.Path)
	if p.bad != nil {
		p.bad = Permanent(fmt.Errorf("path: %w", p.bad))
		return
	}
	tr := &http.Transport{
		Proxy:              nil, // never through the user's proxy
		DisableKeepAlives:  true,
		DisableCompression: true,
	}
	if p.TLS {
		// ServerName, when the config sets none, is the URL's host: the
		// transport fills it in per request.
		if p.Config == nil {
			// #nosec G402 -- documented: without the project CA a probe skips verification.
			tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
		} else {
			tr.TLSClientConfig = p.Config.Clone()
		}
	}
	p.client = &http.Client{
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

func (p *HTTP) scheme() string {
	if p.TLS {
		return "https"
	}
	return "http"
}

func (p *HTTP) wants(code int) bool {
	if p.Status == 0 {
		return code >= 200 && code <= 399
	}
	return code == p.Status
}

func (p *HTTP) want() string {
	if p.Status == 0 {
		return "200-399"
	}
	return fmt.Sprint(p.Status)
}

// String is "http GET /healthz on 8080 = 200" ("https ..." with TLS).
func (p *HTTP) String() string {
	path := p.Path
	if path == "" {
		path = "/"
	}
	return fmt.Sprintf("%s GET %s on %d = %s", p.scheme(), path, p.Port, p.want())
}

// parsePath checks an HTTP request target in origin form ("/path?query").
func parsePath(path string) (*url.URL, error) {
	if path == "" {
		path = "/"
	}
	if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") {
		return nil, fmt.Errorf("%q does not start with a single /", path)
	}
	u, err := url.Parse(path)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "" || u.Host != "" || u.Opaque != "" || u.User != nil {
		return nil, fmt.Errorf("%q is not a path", path)
	}
	if u.Fragment != "" || strings.Contains(path, "#") {
		return nil, fmt.Errorf("%q has a fragment", path)
	}
	return u, nil
}
