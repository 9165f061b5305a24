package catalog

import (
	"context"
	"errors"
	"net"

	"github.com/testbed-dev/testbed/servers/socks"
	"github.com/testbed-dev/testbed/spec"
)

// socksKind is the built-in SOCKS server (servers/socks): 1080 without
// authentication (SOCKS5 and SOCKS4/4a), 1081 with username/password.
func socksKind() *Kind {
	return &Kind{
		Name:    "socks",
		Summary: "SOCKS5 CONNECT (RFC 1928/1929) to testbed servers only; SOCKS4/4a on 1080",
		Ports: []PortInfo{
			{Port: 1080, Proto: "tcp", Note: "SOCKS5 and SOCKS4/4a, no authentication"},
			{Port: 1081, Proto: "tcp", Note: "SOCKS5, username/password authentication"},
		},
		Credentials: "qsockstest / password (on 1081)",
		Endpoints: []string{
			"CONNECT to an IPv4, IPv6 or name destination; names are resolved by the server on the testbed network",
			"replies: 0x02 outside the testbed, 0x05 refused, 0x03/0x04 unreachable, 0x07 BIND/UDP ASSOCIATE",
			"1081: a client offering only \"no authentication\" gets method 0xFF",
		},
		Options: []Option{
			{Name: "user", Default: "qsockstest", Help: "SOCKS5 user on 1081"},
			{Name: "password", Default: "password", Help: "SOCKS5 password on 1081", Secret: true},
		},
		Ready: func(map[string]string) *spec.Probe {
			return &spec.Probe{All: []*spec.Probe{
				{Banner: &spec.BannerProbe{Port: 1080, Send: "\x05\x01\x00", Expect: "^\x05\x00"}},
				{Banner: &spec.BannerProbe{Port: 1081, Send: "\x05\x01\x02", Expect: "^\x05\x02"}},
			}}
		},
		Run: runSocks,
	}
}

func runSocks(ctx context.Context, env Env) error {
	dialer := kindDialer(env)
	open := socks.New(socks.Options{Dialer: dialer, Logger: env.Logger})
	authed := socks.New(socks.Options{
		User:     env.Options["user"],
		Password: env.Options["password"],
		Dialer:   dialer,
		Logger:   env.Logger,
	})
	serves := servesOn(env.Listeners, map[string]func(net.Listener) error{"1080/tcp": open.Serve, "1081/tcp": authed.Serve})
	return runServersUntilDone(ctx, "socks", serves, func() error {
		return errors.Join(open.Close(), authed.Close())
	})
}
