package catalog

import (
	"context"
	"fmt"
	"log/slog"
	"net"

	"github.com/testbed-dev/testbed/servers/httpd"
	"github.com/testbed-dev/testbed/spec"
)

// httpKind is the built-in HTTP/HTTPS server (servers/httpd).
func httpKind() *Kind {
	return &Kind{
		Name:    "http",
		Summary: "HTTP and HTTPS test server: files, echo, status, redirects, auth, uploads",
		Ports: []PortInfo{
			{Port: 80, Proto: "tcp", Note: "HTTP/1.1 (and h2c with prior knowledge)"},
			{Port: 443, Proto: "tcp", TLS: true, Note: "HTTPS, HTTP/2 via ALPN, certificate from the project CA"},
		},
		Credentials: "httptest / httptest (Basic and Digest areas)",
		Endpoints: []string{
			"GET /files/... static tree (hello.txt, index.html, utf8.txt, empty.txt, large-1m.bin, dir/); Range, conditional, HEAD",
			"GET /bytes/{n} n deterministic bytes (byte i = i % 251), Range",
			"ANY /echo the request as JSON",
			"ANY /status/{code}, /redirect/{n}, /delay/{ms}; GET /chunked, /gzip",
			"ANY /auth/basic/ Basic auth; /auth/digest/ Digest auth (SHA-256, MD5)",
			"PUT, GET, DELETE /upload/{name} uploads kept in data-dir",
		},
		Options: []Option{
			{Name: "user", Default: httpd.DefaultUser, Help: "user of the Basic and Digest areas"},
			{Name: "password", Default: httpd.DefaultPassword, Help: "password of the Basic and Digest areas", Secret: true},
			{Name: "data-dir", Default: "", Help: "directory uploads are stored in (default: a temporary directory removed on exit)"},
		},
		Ready: func(map[string]string) *spec.Probe {
			return &spec.Probe{All: []*spec.Probe{
				{HTTP: &spec.HTTPProbe{Port: 80, Path: "/", Status: 200}},
				{HTTP: &spec.HTTPProbe{Port: 443, Path: "/", Status: 200, TLS: true}},
			}}
		},
		Run: runHTTP,
	}
}

func runHTTP(ctx context.Context, env Env) error {
	if env.Logger == nil {
		env.Logger = slog.New(slog.DiscardHandler)
	}
	srv, err := httpd.New(httpd.Options{
		User:     env.Options["user"],
		Password: env.Options["password"],
		DataDir:  env.Options["data-dir"],
		Logger:   env.Logger,
	})
	if err != nil {
		return fmt.Errorf("http: %w", err)
	}
	serves := servesOn(env.Listeners, map[string]func(net.Listener) error{"80/tcp": srv.Serve})
	if l := env.Listeners["443/tcp"]; l != nil {
		if env.TLS == nil {
			env.Logger.Warn("http: no TLS certificate, port 443 is not served")
			_ = l.Close()
		} else {
			serves = append(serves, func() error { return srv.ServeTLS(l, env.TLS) })
		}
	}
	return runServersUntilDone(ctx, "http", serves, srv.Close)
}
