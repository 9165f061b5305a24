// Package netpolicy decides which destinations testbed's proxy and socks
// servers may connect to, so that neither becomes an open proxy.
//
// A [Policy] allows testbed names (a server's short name or alias, or any
// name in the testbed domain) whose every dialled address lies in the
// testbed's networks, IP literals inside those networks, and the loopback
// rewrites of the local driver. Anything else fails with [ErrForbidden]
// before any name is resolved or any connection is attempted.
//
// In a container ([Policy.Network] set) the decision is by address at
// connect time, so each server's allow-list is O(1) however many servers
// the testbed has: any DNS name may be resolved, and an address is dialled
// only when it is on the project network, is not its gateway, an edge of
// the subnet, link-local or multicast, and the engine's DNS names it as one
// of the project's containers in reverse. Every spelling of an address
// (IPv4-mapped IPv6, numeric forms that are not names) meets that check.
package netpolicy
