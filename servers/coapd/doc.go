// Package coapd is testbed's built-in CoAP server (RFC 7252) over UDP and
// over DTLS 1.2 (pre-shared key, or a certificate from the project CA),
// and over TCP and TLS (RFC 8323),
// with a few resources that exercise what CoAP clients implement: GET,
// PUT, POST and DELETE, Observe (RFC 7641), block-wise transfers (RFC
// 7959) both ways, and resource discovery at /.well-known/core (RFC 6690).
//
// The protocol engine is github.com/plgd-dev/go-coap/v3 with
// github.com/pion/dtls/v3; this package gives them testbed's server shape
// ([Options], [New], [Server.Serve], [Server.ServeDTLS], [Server.ServeTCP],
// [Server.ServeTLS], [Server.Close]) on sockets the caller has bound, and
// the resources:
//
//	/hello    GET: "Hello, testbed!" (text/plain)
//	/echo     POST, PUT: the request's payload back, with its content format
//	/store    GET, PUT (replace), POST (append), DELETE; observable; 4.04 when empty
//	/large    GET: 8 KiB of deterministic text, sent block-wise (Block2)
//	/clock    GET: seconds since the server started; observable, every second
//	/.well-known/core   GET: the resources in link format
package coapd
