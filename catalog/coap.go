package catalog

import (
	"context"
	"net"

	"github.com/testbed-dev/testbed/servers/coapd"
	"github.com/testbed-dev/testbed/spec"
)

// coapKind is the built-in CoAP server (servers/coapd): UDP and DTLS (PSK
// or the project CA's certificate), TCP and TLS.
func coapKind() *Kind {
	return &Kind{
		Name:    "coap",
		Summary: "CoAP server (RFC 7252) over UDP, DTLS (PSK or certificate), TCP and TLS (RFC 8323), with Observe and block-wise transfers",
		Ports: []PortInfo{
			{Port: 5683, Proto: "udp", Note: "CoAP"},
			{Port: 5684, Proto: "udp", Note: "CoAP over DTLS 1.2: PSK, or a certificate from the project CA"},
			{Port: 5683, Proto: "tcp", Note: "CoAP over TCP (RFC 8323)"},
			{Port: 5684, Proto: "tcp", TLS: true, Note: "CoAP over TLS (RFC 8323), certificate from the project CA"},
		},
		Credentials: "DTLS PSK identity " + coapd.DefaultPSKIdentity + ", key " + coapd.DefaultPSK + "; or the project CA",
		Endpoints: []string{
			optInNote("coap"),
			"/hello GET: \"Hello, testbed!\"; /echo POST, PUT: the payload back with its content format",
			"/store GET, PUT (replace), POST (append), DELETE (then 4.04); observable; starts as \"" + coapd.InitialStore + "\"",
			"/large GET: 8 KiB of text, block-wise (Block2); PUTs larger than a block arrive block-wise (Block1)",
			"/clock GET: seconds since start; observable, a notification every second",
			"/.well-known/core: the resources in link format (RFC 6690); other methods get 4.05, other paths 4.04",
		},
		Options: []Option{
			{Name: "psk-identity", Default: coapd.DefaultPSKIdentity, Help: "DTLS pre-shared key identity"},
			{Name: "psk", Default: coapd.DefaultPSK, Help: "DTLS pre-shared key; empty = certificates only", Secret: true},
		},
		Ready: func(map[string]string) *spec.Probe {
			return &spec.Probe{All: []*spec.Probe{
				{Banner: &spec.BannerProbe{Port: 5683, Send: coapd.ProbeRequest, Expect: "Hello, testbed!"}},
				{Banner: &spec.BannerProbe{Port: 5684, TLS: true, Send: coapd.ProbeRequest, Expect: "Hello, testbed!"}},
			}}
		},
		Run: runCoAP,
	}
}

func runCoAP(ctx context.Context, env Env) error {
	srv, err := coapd.New(coapd.Options{TLS: env.TLS, PSKIdentity: env.Options["psk-identity"], PSK: []byte(env.Options["psk"]), Logger: env.Logger})
	if err != nil {
		closeAll(env)
		return err
	}
	serves := servesOn(env.Packets, map[string]func(net.PacketConn) error{"5683/udp": srv.Serve})
	serves = append(serves, servesOn(env.Listeners, map[string]func(net.Listener) error{"5683/tcp": srv.ServeTCP})...)
	if pc := env.Packets["5684/udp"]; pc != nil {
		if env.TLS == nil && env.Options["psk"] == "" {
			env.Logger.Warn("coap: no TLS certificate and no PSK, port 5684/udp is not served")
			_ = pc.Close()
		} else {
			serves = append(serves, func() error { return srv.ServeDTLS(pc) })
		}
	}
	if l := env.Listeners["5684/tcp"]; l != nil {
		if env.TLS == nil {
			env.Logger.Warn("coap: no TLS certificate, port 5684/tcp is not served")
			_ = l.Close()
		} else {
			serves = append(serves, func() error { return srv.ServeTLS(l) })
		}
	}
	return runServersUntilDone(ctx, "coap", serves, srv.Close)
}
