package spec

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// MaxPortRange is the most ports one range may hold.
const MaxPortRange = 1000

// ParsePort reads a port written as text:
//
//	PORT[/PROTO]  LO-HI[/PROTO]  [HOST_IP:][HOST_PORT:]PORT[/PROTO]
//
// where PROTO is tcp or udp, HOST_PORT may be empty ("127.0.0.1::80") or a
// range as long as the container range, and an IPv6 HOST_IP is written in
// brackets ("[::1]:8080:80"). It checks numbers and ranges like
// [Testbed.Validate] does. Proto is "tcp" when not given.
func ParsePort(s string) (Port, error) {
	var p Port
	rest := s
	p.Proto = "tcp"
	if i := strings.LastIndexByte(rest, '/'); i >= 0 {
		p.Proto = rest[i+1:]
		rest = rest[:i]
		if p.Proto != "tcp" && p.Proto != "udp" {
			return Port{}, fmt.Errorf("port %s: protocol must be tcp or udp", Quote(s))
		}
	}
	var parts []string
	if strings.HasPrefix(rest, "[") {
		end := strings.Index(rest, "]:")
		if end < 0 {
			return Port{}, fmt.Errorf("port %s: want [IPV6]:HOST_PORT:PORT", Quote(s))
		}
		parts = append([]string{rest[1:end]}, strings.Split(rest[end+2:], ":")...)
		if len(parts) != 3 {
			return Port{}, fmt.Errorf("port %s: want [IPV6]:HOST_PORT:PORT", Quote(s))
		}
	} else {
		parts = strings.Split(rest, ":")
	}
	var hostIP, hostPort, cport string
	switch len(parts) {
	case 1:
		cport = parts[0]
	case 2:
		hostPort, cport = parts[0], parts[1]
	case 3:
		hostIP, hostPort, cport = parts[0], parts[1], parts[2]
		if hostIP == "" {
			return Port{}, fmt.Errorf("port %s: empty host address", Quote(s))
		}
	default:
		return Port{}, fmt.Errorf("port %s: want [HOST_IP:][HOST_PORT:]PORT[/PROTO] (IPv6 addresses in brackets)", Quote(s))
	}
	lo, hi, err := parsePortRange(cport)
	if err != nil {
		return Port{}, err
	}
	p.Port = lo
	if hi != lo {
		p.End = hi
	}
	if hostPort != "" {
		hlo, hhi, err := parsePortRange(hostPort)
		if err != nil {
			return Port{}, fmt.Errorf("host %w", err)
		}
		if hhi-hlo != hi-lo {
			return Port{}, fmt.Errorf("port %s: host range %d-%d and container range %d-%d differ in length", Quote(s), hlo, hhi, lo, hi)
		}
		p.HostPort = hlo
	}
	if hostIP != "" {
		if msg := checkHostIP(hostIP); msg != "" {
			return Port{}, fmt.Errorf("port %s: %s", Quote(s), msg)
		}
		p.HostIP = hostIP
	}
	return p, nil
}

// parsePortRange reads "80" or "30000-30009" and checks the bounds.
func parsePortRange(s string) (lo, hi int, err error) {
	a, b, isRange := strings.Cut(s, "-")
	if lo, err = ParsePortNumber(a); err != nil {
		return 0, 0, err
	}
	hi = lo
	if isRange {
		if hi, err = ParsePortNumber(b); err != nil {
			return 0, 0, err
		}
	}
	if msg := checkRange(lo, hi); msg != "" {
		return 0, 0, fmt.Errorf("%s", msg)
	}
	return lo, hi, nil
}

// ParsePortNumber reads one port number written in decimal digits, in
// 1-65535, as [ParsePort] and [Testbed.Validate] take it.
func ParsePortNumber(s string) (int, error) {
	if s == "" || len(s) > 6 || strings.Trim(s, "0123456789") != "" {
		return 0, fmt.Errorf("port %s is not a number", Quote(s))
	}
	n, _ := strconv.Atoi(s)
	if msg := checkPortNumber(n); msg != "" {
		return 0, fmt.Errorf("%s", msg)
	}
	return n, nil
}

func checkPortNumber(n int) string {
	if n < 1 || n > 65535 {
		return fmt.Sprintf("port %d out of range 1-65535", n)
	}
	return ""
}

// checkRange checks a container port range lo-hi (equal for one port).
func checkRange(lo, hi int) string {
	if msg := checkPortNumber(lo); msg != "" {
		return msg
	}
	if msg := checkPortNumber(hi); msg != "" {
		return msg
	}
	if hi < lo {
		return fmt.Sprintf("port range %d-%d ends before it starts", lo, hi)
	}
	if hi-lo+1 > MaxPortRange {
		return fmt.Sprintf("port range %d-%d holds %d ports, more than %d", lo, hi, hi-lo+1, MaxPortRange)
	}
	return ""
}

// checkHostIP returns why s is not an IP address to publish on, or "".
func checkHostIP(s string) string {
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return fmt.Sprintf("host address %s is not an IP address", Quote(s))
	}
	return ""
}

// last is the last port of p's range.
func (p Port) last() int {
	if p.End < p.Port {
		return p.Port
	}
	return p.End
}

// checkPort returns the problems of one port (field names relative to it).
func checkPort(p Port) (field, msg string) {
	if p.End != 0 && p.End != p.Port {
		if msg := checkRange(p.Port, p.End); msg != "" {
			return "", msg
		}
	} else if msg := checkPortNumber(p.Port); msg != "" {
		return "", msg
	}
	if p.Proto != "" && p.Proto != "tcp" && p.Proto != "udp" {
		return "proto", fmt.Sprintf("protocol %s must be tcp or udp", Quote(p.Proto))
	}
	if p.HostPort != 0 {
		if msg := checkPortNumber(p.HostPort); msg != "" {
			return "host_port", "host " + msg
		}
		if end := p.HostPort + p.last() - p.Port; end > 65535 {
			return "host_port", fmt.Sprintf("host port range %d-%d out of range 1-65535", p.HostPort, end)
		}
	}
	if p.HostIP != "" {
		if msg := checkHostIP(p.HostIP); msg != "" {
			return "host_ip", msg
		}
	}
	return "", ""
}
