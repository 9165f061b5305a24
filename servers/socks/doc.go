// Package socks is testbed's SOCKS server: SOCKS5 CONNECT (RFC 1928) with
// optional username/password authentication (RFC 1929), and SOCKS4/4a
// CONNECT when no authentication is required.
//
// Every connection it makes goes through its [Dialer], normally a
// netpolicy.Policy, which resolves names on the testbed network and refuses
// everything else; the refusal reaches the client as reply 0x02 ("not
// allowed by ruleset").
package socks
