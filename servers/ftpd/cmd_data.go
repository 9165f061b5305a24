package ftpd

import (
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// cmdPASV opens a passive listener and names it as h1,h2,h3,h4,p1,p2.
func (s *session) cmdPASV(string) {
	if s.epsvAll {
		s.reply(500, "PASV not allowed after EPSV ALL.")
		return
	}
	adv := s.advertisedIP()
	if !adv.Is4() || !s.dataListenIP().Is4() {
		s.reply(425, "PASV needs IPv4; use EPSV.")
		return
	}
	ln, err := s.listenPassive()
	if err != nil {
		s.log.Warn("ftp PASV", "err", err)
		s.reply(425, "Cannot open passive connection.")
		return
	}
	s.setData(&passiveData{ln: ln})
	a := adv.As4()
	port := ln.Addr().(*net.TCPAddr).Port
	s.reply(227, "Entering Passive Mode (%d,%d,%d,%d,%d,%d).", a[0], a[1], a[2], a[3], port>>8, port&0xff)
}

// cmdEPSV opens a passive listener and names only its port (RFC 2428), so
// it works whatever address the client reached the server by.
func (s *session) cmdEPSV(arg string) {
	want := "1"
	if !s.dataListenIP().Is4() {
		want = "2"
	}
	switch a := strings.ToUpper(strings.TrimSpace(arg)); a {
	case "ALL":
		s.epsvAll = true
		s.reply(200, "EPSV ALL ok.")
		return
	case "", want:
	case "1", "2":
		s.reply(522, "Network protocol not supported, use (%s).", want)
		return
	default:
		s.reply(501, "Syntax error in parameters or arguments.")
		return
	}
	ln, err := s.listenPassive()
	if err != nil {
		s.log.Warn("ftp EPSV", "err", err)
		s.reply(425, "Cannot open passive connection.")
		return
	}
	s.setData(&passiveData{ln: ln})
	s.reply(229, "Entering Extended Passive Mode (|||%d|).", ln.Addr().(*net.TCPAddr).Port)
}

// cmdPORT takes h1,h2,h3,h4,p1,p2 for an active data connection.
func (s *session) cmdPORT(arg string) {
	if s.epsvAll {
		s.reply(500, "PORT not allowed after EPSV ALL.")
		return
	}
	addr, ok := parsePORT(arg)
	if !ok || !s.allowActive(addr) {
		s.reply(500, "Illegal PORT command.")
		return
	}
	s.setData(&activeData{local: s.localIP(), addr: addr})
	s.reply(200, "PORT command successful. Consider using PASV.")
}

func parsePORT(arg string) (netip.AddrPort, bool) {
	parts := strings.Split(strings.TrimSpace(arg), ",")
	if len(parts) != 6 {
		return netip.AddrPort{}, false
	}
	var b [6]byte
	for i, p := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 0 || n > 255 {
			return netip.AddrPort{}, false
		}
		b[i] = byte(n)
	}
	ip := netip.AddrFrom4([4]byte{b[0], b[1], b[2], b[3]})
	return netip.AddrPortFrom(ip, uint16(b[4])<<8|uint16(b[5])), true
}

// cmdEPRT takes |proto|address|port| for an active data connection.
func (s *session) cmdEPRT(arg string) {
	if s.epsvAll {
		s.reply(500, "EPRT not allowed after EPSV ALL.")
		return
	}
	addr, code := parseEPRT(arg)
	switch {
	case code == 522:
		s.reply(522, "Network protocol not supported, use (1,2).")
	case code != 0 || !s.allowActive(addr):
		s.reply(500, "Illegal EPRT command.")
	default:
		s.setData(&activeData{local: s.localIP(), addr: addr})
		s.reply(200, "EPRT command successful. Consider using EPSV.")
	}
}

// parseEPRT parses "|1|132.235.1.2|6275|" (any delimiter from 33 to 126).
// code is 0 on success, 522 for an unknown protocol, 500 otherwise.
func parseEPRT(arg string) (netip.AddrPort, int) {
	if len(arg) < 2 || arg[0] < 33 || arg[0] > 126 {
		return netip.AddrPort{}, 500
	}
	f := strings.Split(arg[1:], arg[:1])
	if len(f) != 4 || f[3] != "" {
		return netip.AddrPort{}, 500
	}
	ip, err := netip.ParseAddr(f[1])
	if err != nil || ip.Zone() != "" {
		return netip.AddrPort{}, 500
	}
	switch {
	case f[0] == "1" && ip.Is4(), f[0] == "2" && ip.Is6():
	case f[0] == "1" || f[0] == "2":
		return netip.AddrPort{}, 500
	default:
		return netip.AddrPort{}, 522
	}
	port, err := strconv.Atoi(f[2])
	if err != nil || port < 1 || port > 65535 {
		return netip.AddrPort{}, 500
	}
	return netip.AddrPortFrom(ip, uint16(port)), 0
}
