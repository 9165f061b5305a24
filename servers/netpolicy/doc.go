// Package netpolicy decides which destinations testbed's proxy and socks
// servers may connect to, so that neither becomes an open proxy.
//
// A [Policy] allows testbed names (a server's short name or alias, or any
// name in the testbed domain) whose every dialled address lies in the
// testbed's networks, IP literals inside those networks, and the loopback
// rewrites of the local driver. Anything else fails with [ErrForbidden]
// before any name is resolved or any connection is attempted.
package netpolicy
