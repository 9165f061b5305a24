package catalog

import (
	"context"
	"net"

	"github.com/testbed-dev/testbed/servers/echo"
	"github.com/testbed-dev/testbed/spec"
)

// echoKind is the built-in echo, discard, daytime and chargen services
// (servers/echo).
func echoKind() *Kind {
	return &Kind{
		Name:    "echo",
		Summary: "echo, discard, daytime and chargen (RFC 862, 863, 867, 864)",
		Ports: []PortInfo{
			{Port: 7, Proto: "tcp", Note: "echo"},
			{Port: 7, Proto: "udp", Note: "echo"},
			{Port: 9, Proto: "tcp", Note: "discard"},
			{Port: 9, Proto: "udp", Note: "discard"},
			{Port: 13, Proto: "tcp", Note: "daytime"},
			{Port: 13, Proto: "udp", Note: "daytime"},
			{Port: 19, Proto: "tcp", Note: "chargen"},
		},
		Credentials: "none",
		Endpoints: []string{
			"7 tcp/udp: echo, what is sent comes back",
			"9 tcp/udp: discard, what is sent is dropped",
			"13 tcp/udp: daytime, the time in UTC then CRLF",
			"19 tcp: chargen, 72-character rotating lines until the client closes",
		},
		Ready: func(map[string]string) *spec.Probe {
			return &spec.Probe{Echo: &spec.TCPProbe{Port: 7}}
		},
		Run: runEcho,
	}
}

func runEcho(ctx context.Context, env Env) error {
	srv := echo.New(echo.Options{Logger: env.Logger})
	streams := map[string]func(net.Listener) error{
		"7/tcp": srv.ServeEcho, "9/tcp": srv.ServeDiscard, "13/tcp": srv.ServeDaytime, "19/tcp": srv.ServeChargen,
	}
	packets := map[string]func(net.PacketConn) error{
		"7/udp": srv.ServeEchoPacket, "9/udp": srv.ServeDiscardPacket, "13/udp": srv.ServeDaytimePacket, "19/udp": srv.ServeChargenPacket,
	}
	serves := append(servesOn(env.Listeners, streams), servesOn(env.Packets, packets)...)
	return runServersUntilDone(ctx, "echo", serves, srv.Close)
}
