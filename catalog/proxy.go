package catalog

import (
	"context"
	"errors"
	"net"

	"github.com/testbed-dev/testbed/servers/netpolicy"
	"github.com/testbed-dev/testbed/servers/proxy"
	"github.com/testbed-dev/testbed/spec"
)

// proxyKind is the built-in HTTP forward proxy (servers/proxy): 3128 open,
// 3129 behind Basic proxy authentication.
func proxyKind() *Kind {
	return &Kind{
		Name:    "proxy",
		Summary: "HTTP forward proxy (absolute-URI requests and CONNECT) to testbed servers only",
		Ports: []PortInfo{
			{Port: 3128, Proto: "tcp", Note: "HTTP proxy, no authentication"},
			{Port: 3129, Proto: "tcp", Note: "HTTP proxy, Basic proxy authentication"},
		},
		Credentials: "foo / bar (on 3129)",
		Endpoints: []string{
			"GET/POST/... http://host/path: any method forwarded, bodies streamed, Via: 1.1 testbed added",
			"CONNECT host:port: a TCP tunnel (e.g. for https://)",
			"destinations outside the testbed: 403; unreachable: 502; timed out: 504",
			"3129 without or with wrong Proxy-Authorization: 407, Basic realm=\"testbed proxy\"",
		},
		Options: []Option{
			{Name: "user", Default: "foo", Help: "proxy user on 3129"},
			{Name: "password", Default: "bar", Help: "proxy password on 3129", Secret: true},
		},
		// A GET / is answered by the proxy itself: an info page on 3128, and
		// a 407 on 3129, which also shows authentication is in force.
		Ready: func(map[string]string) *spec.Probe {
			return &spec.Probe{All: []*spec.Probe{
				{HTTP: &spec.HTTPProbe{Port: 3128, Path: "/", Status: 200}},
				{HTTP: &spec.HTTPProbe{Port: 3129, Path: "/", Status: 407}},
			}}
		},
		Run: runProxy,
	}
}

func runProxy(ctx context.Context, env Env) error {
	dialer := kindDialer(env)
	open := proxy.New(proxy.Options{Dialer: dialer, Logger: env.Logger})
	authed := proxy.New(proxy.Options{
		User:     env.Options["user"],
		Password: env.Options["password"],
		Dialer:   dialer,
		Logger:   env.Logger,
	})
	serves := servesOn(env.Listeners, map[string]func(net.Listener) error{"3128/tcp": open.Serve, "3129/tcp": authed.Serve})
	return runServersUntilDone(ctx, "proxy", serves, func() error {
		return errors.Join(open.Close(), authed.Close())
	})
}

// kindDialer is the dialer the proxy and socks kinds connect through:
// env's, or one that refuses every destination.
func kindDialer(env Env) Dialer {
	if env.Dialer == nil {
		return netpolicy.DenyAll{}
	}
	return env.Dialer
}
