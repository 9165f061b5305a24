package catalog

import (
	"context"
	"fmt"
	"net"
	"strconv"

	"github.com/testbed-dev/testbed/servers/wsd"
	"github.com/testbed-dev/testbed/spec"
)

// websocketKind is the built-in WebSocket server (servers/wsd).
func websocketKind() *Kind {
	return &Kind{
		Name:    "websocket",
		Summary: "WebSocket (RFC 6455) echo, broadcast rooms, close codes, large and fragmented messages, permessage-deflate",
		Ports: []PortInfo{
			{Port: 80, Proto: "tcp", Note: "ws://"},
			{Port: 443, Proto: "tcp", TLS: true, Note: "wss://, certificate from the project CA"},
		},
		Credentials: wsd.DefaultUser + " / " + wsd.DefaultPassword + " (Basic, on /auth/echo)",
		Endpoints: []string{
			"/echo: every message back, text or binary as sent; /auth/echo: the same behind Basic auth on the upgrade (401 without)",
			"/room/{name}: every message to every member of the room, the sender included",
			"/close/{code}: the server closes at once with that code; /bytes/{n}?frame=k: one binary message of n bytes (byte i = i % 251) in k-byte frames",
			"everywhere: permessage-deflate when offered, subprotocols echo and chat, pings answered, messages up to max-message bytes",
		},
		Options: []Option{
			{Name: "user", Default: wsd.DefaultUser, Help: "user of /auth/echo"},
			{Name: "password", Default: wsd.DefaultPassword, Help: "password of /auth/echo", Secret: true},
			{Name: "max-message", Default: strconv.Itoa(wsd.DefaultMaxMessage), Help: "largest message accepted, in bytes"},
		},
		Ready: func(map[string]string) *spec.Probe {
			return &spec.Probe{All: []*spec.Probe{
				{HTTP: &spec.HTTPProbe{Port: 80, Path: "/", Status: 200}},
				{HTTP: &spec.HTTPProbe{Port: 443, Path: "/", Status: 200, TLS: true}},
			}}
		},
		Run: runWebSocket,
	}
}

func runWebSocket(ctx context.Context, env Env) error {
	maxMsg, err := strconv.ParseInt(env.Options["max-message"], 10, 64)
	if err != nil || maxMsg < 1 {
		return fmt.Errorf("websocket: option max-message=%q: want a positive number of bytes", env.Options["max-message"])
	}
	srv := wsd.New(wsd.Options{User: env.Options["user"], Password: env.Options["password"], MaxMessage: maxMsg, Logger: env.Logger})
	serves := servesOn(env.Listeners, map[string]func(net.Listener) error{"80/tcp": srv.Serve})
	if l := env.Listeners["443/tcp"]; l != nil {
		if env.TLS == nil {
			env.Logger.Warn("websocket: no TLS certificate, port 443 is not served")
			_ = l.Close()
		} else {
			serves = append(serves, func() error { return srv.ServeTLS(l, env.TLS) })
		}
	}
	return runServersUntilDone(ctx, "websocket", serves, srv.Close)
}
