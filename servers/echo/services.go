package echo

import (
	"io"
	"net"
)

// ServeEcho sends back whatever each TCP client sends (RFC 862) until the
// client closes its side.
func (s *Server) ServeEcho(l net.Listener) error {
	return s.serveStream("echo", l, func(c net.Conn) {
		_, _ = io.Copy(c, c)
	})
}

// ServeEchoPacket sends each UDP datagram back to its sender (RFC 862).
func (s *Server) ServeEchoPacket(pc net.PacketConn) error {
	return s.servePacket("echo", pc, func(p []byte) []byte { return p })
}

// ServeDiscard reads and drops whatever each TCP client sends (RFC 863).
func (s *Server) ServeDiscard(l net.Listener) error {
	return s.serveStream("discard", l, func(c net.Conn) {
		_, _ = io.Copy(io.Discard, c)
	})
}

// ServeDiscardPacket drops every UDP datagram (RFC 863).
func (s *Server) ServeDiscardPacket(pc net.PacketConn) error {
	return s.servePacket("discard", pc, func([]byte) []byte { return nil })
}

// ServeDaytime sends each TCP client the time and closes (RFC 867).
func (s *Server) ServeDaytime(l net.Listener) error {
	return s.serveStream("daytime", l, func(c net.Conn) {
		_, _ = io.WriteString(c, s.daytime())
	})
}

// ServeDaytimePacket answers each UDP datagram with the time (RFC 867).
func (s *Server) ServeDaytimePacket(pc net.PacketConn) error {
	return s.servePacket("daytime", pc, func([]byte) []byte { return []byte(s.daytime()) })
}

// ServeChargen sends each TCP client the chargen pattern until it closes
// (RFC 864); what the client sends is ignored.
func (s *Server) ServeChargen(l net.Listener) error {
	return s.serveStream("chargen", l, func(c net.Conn) {
		drained := make(chan struct{})
		go func() {
			defer close(drained)
			_, _ = io.Copy(io.Discard, c)
		}()
		for {
			if _, err := c.Write(s.chargen); err != nil {
				break
			}
		}
		_ = c.Close()
		<-drained
	})
}

// ServeChargenPacket answers each UDP datagram with the next chargen line
// (RFC 864).
func (s *Server) ServeChargenPacket(pc net.PacketConn) error {
	return s.servePacket("chargen", pc, func([]byte) []byte {
		i := int((s.line.Add(1) - 1) % chargenChars)
		return s.chargen[i*chargenLineLen : (i+1)*chargenLineLen]
	})
}

// daytime is the RFC 867 answer for the current time.
func (s *Server) daytime() string {
	return s.now().UTC().Format("Monday, January 2, 2006 15:04:05-MST") + "\r\n"
}

// The chargen pattern: 95 printable characters, 72 per line.
const (
	chargenFirst   = ' '
	chargenChars   = 95
	chargenWidth   = 72
	chargenLineLen = chargenWidth + 2 // with CRLF
)

// chargenCycle is the 95 lines after which the pattern repeats.
func chargenCycle() []byte {
	out := make([]byte, 0, chargenChars*chargenLineLen)
	for line := range chargenChars {
		for j := range chargenWidth {
			out = append(out, byte(chargenFirst+(line+j)%chargenChars))
		}
		out = append(out, '\r', '\n')
	}
	return out
}
