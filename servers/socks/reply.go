package socks

import (
	"fmt"
	"io"
	"net"
	"net/netip"

	"github.com/testbed-dev/testbed/servers/netpolicy"
)

// SOCKS5 reply codes (RFC 1928 section 6).
const (
	repSucceeded        = 0x00
	repGeneralFailure   = 0x01
	repNotAllowed       = 0x02
	repNetUnreachable   = 0x03
	repHostUnreachable  = 0x04
	repRefused          = 0x05
	repCmdNotSupported  = 0x07
	repAddrNotSupported = 0x08
)

// SOCKS4 reply codes.
const (
	rep4Granted  = 0x5A
	rep4Rejected = 0x5B
)

// replyFor is the reply code for a failed dial.
func replyFor(err error) byte {
	switch netpolicy.Classify(err) {
	case netpolicy.ReasonForbidden:
		return repNotAllowed
	case netpolicy.ReasonRefused:
		return repRefused
	case netpolicy.ReasonNetUnreachable:
		return repNetUnreachable
	case netpolicy.ReasonHostUnreachable, netpolicy.ReasonTimeout:
		return repHostUnreachable
	}
	return repGeneralFailure
}

// writeReply writes the final reply of a handshake in the client's version:
// code is a SOCKS5 reply code and bound the server's address toward the
// destination (nil on failure).
func writeReply(w io.Writer, version, code byte, bound net.Addr) error {
	addr := netip.IPv4Unspecified()
	var port uint16
	if ap, err := netip.ParseAddrPort(addrString(bound)); err == nil {
		addr, port = ap.Addr().Unmap(), ap.Port()
	}
	var b []byte
	if version == version4 {
		status := byte(rep4Rejected)
		if code == repSucceeded {
			status = rep4Granted
		}
		if !addr.Is4() {
			addr = netip.IPv4Unspecified()
		}
		a := addr.As4()
		b = []byte{0x00, status, byte(port >> 8), byte(port), a[0], a[1], a[2], a[3]}
	} else {
		b = []byte{version5, code, 0x00}
		if addr.Is4() {
			a := addr.As4()
			b = append(b, atypIPv4)
			b = append(b, a[:]...)
		} else {
			a := addr.As16()
			b = append(b, atypIPv6)
			b = append(b, a[:]...)
		}
		b = append(b, byte(port>>8), byte(port))
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("write reply: %w", err)
	}
	return nil
}

func addrString(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}
