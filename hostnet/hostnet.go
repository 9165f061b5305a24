// Package hostnet answers questions about the machine's network: for a
// server, which networks its interfaces are on (the testbed network, in a
// container) and which address is its default gateway (where connections
// through the engine's published ports come from); for the host, which
// ports are free to publish ([FreePorts]) and who holds a taken one
// ([PortHolder]).
package hostnet

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
)

// LocalNets lists the networks of the machine's non-loopback interfaces.
func LocalNets() ([]netip.Prefix, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, fmt.Errorf("interface addresses: %w", err)
	}
	var out []netip.Prefix
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		ip, ok := netip.AddrFromSlice(ipn.IP)
		if !ok {
			continue
		}
		ip = ip.Unmap()
		if ip.IsLoopback() || ip.IsLinkLocalUnicast() {
			continue
		}
		ones, _ := ipn.Mask.Size()
		out = append(out, netip.PrefixFrom(ip, ones).Masked())
	}
	return out, nil
}

// DefaultGateway reads the IPv4 default route's gateway from /proc/net/route.
func DefaultGateway() (netip.Addr, error) {
	f, err := os.Open("/proc/net/route")
	if err != nil {
		return netip.Addr{}, fmt.Errorf("default gateway: %w", err)
	}
	defer f.Close()
	return parseRoutes(f)
}

func parseRoutes(f *os.File) (netip.Addr, error) {
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		// Iface Destination Gateway Flags ...; hex in host (little-endian) order.
		if len(fields) < 3 || fields[1] != "00000000" {
			continue
		}
		b, err := hex.DecodeString(fields[2])
		if err != nil || len(b) != 4 {
			continue
		}
		var a [4]byte
		binary.LittleEndian.PutUint32(a[:], binary.BigEndian.Uint32(b))
		gw := netip.AddrFrom4(a)
		if !gw.IsUnspecified() {
			return gw, nil
		}
	}
	return netip.Addr{}, errors.New("default gateway: no default route")
}
