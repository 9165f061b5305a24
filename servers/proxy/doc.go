// Package proxy is testbed's HTTP forward proxy, in the manner of squid: it
// forwards absolute-URI requests of any method and tunnels CONNECT requests,
// optionally behind Basic proxy authentication.
//
// Every connection it makes goes through its [Dialer], normally a
// netpolicy.Policy, so it reaches testbed servers and nothing else: a refused
// destination is answered 403, an unreachable one 502, a slow one 504.
package proxy
