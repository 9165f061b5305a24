package socks

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
)

// Protocol numbers (RFC 1928, RFC 1929, and the SOCKS4 and 4a notes).
const (
	version4 = 0x04
	version5 = 0x05

	methodNone         = 0x00
	methodUserPass     = 0x02
	methodNoAcceptable = 0xFF
	userPassVersion    = 0x01

	cmdConnect = 0x01

	atypIPv4   = 0x01
	atypDomain = 0x03
	atypIPv6   = 0x04

	// maxField is the longest user id or host name a SOCKS4 client may send.
	maxField = 255
)

// request is a client's parsed request.
type request struct {
	version byte   // 4 or 5; 0 until the first byte is read
	cmd     byte   // command; cmdConnect is the only one served
	host    string // IP literal or name
	port    uint16
	user    string // authenticated user (SOCKS5) or user id (SOCKS4)
}

// address is the destination as "host:port".
func (r *request) address() string {
	return net.JoinHostPort(r.host, strconv.Itoa(int(r.port)))
}

// credentials are what a client must authenticate with; an empty user means
// no authentication.
type credentials struct {
	user, password string
}

func (c credentials) required() bool { return c.user != "" }

func (c credentials) match(user, password string) bool {
	u := subtle.ConstantTimeCompare([]byte(user), []byte(c.user))
	p := subtle.ConstantTimeCompare([]byte(password), []byte(c.password))
	return u&p == 1
}

// replyError is a request the server answers with a failure reply carrying
// code (a SOCKS5 reply code) before closing the connection.
type replyError struct {
	code byte
	msg  string
}

func (e *replyError) Error() string { return fmt.Sprintf("%s (reply %#02x)", e.msg, e.code) }

func refuse(code byte, format string, args ...any) error {
	return &replyError{code: code, msg: fmt.Sprintf(format, args...)}
}

// errNoMethod is a SOCKS5 client that offered no authentication method the
// server accepts; it has been told so (method 0xFF).
var errNoMethod = errors.New("no acceptable authentication method")

// negotiate is the server side of a handshake: it reads the client's
// greeting, authentication and request from r and writes the method choice
// and authentication status to w. It does not write the final reply: on
// success the caller connects and replies; a *replyError says which failure
// reply to send. req.version is set as soon as it is known, even on error.
// Reads are bounded by the protocol's length fields, so r must time out or
// end for a silent client.
func negotiate(r io.Reader, w io.Writer, creds credentials) (req request, err error) {
	var b [1]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return req, fmt.Errorf("read version: %w", err)
	}
	switch b[0] {
	case version5:
		req.version = version5
		err = negotiate5(r, w, creds, &req)
	case version4:
		req.version = version4
		err = negotiate4(r, creds, &req)
	default:
		err = fmt.Errorf("unknown SOCKS version %#02x", b[0])
	}
	return req, err
}

// negotiate5 is the SOCKS5 handshake after the version byte.
func negotiate5(r io.Reader, w io.Writer, creds credentials, req *request) error {
	methods, err := readBytes(r)
	if err != nil {
		return fmt.Errorf("read methods: %w", err)
	}
	method := chooseMethod(methods, creds)
	if _, err := w.Write([]byte{version5, method}); err != nil {
		return fmt.Errorf("write method: %w", err)
	}
	switch method {
	case methodNoAcceptable:
		return fmt.Errorf("methods %x: %w", methods, errNoMethod)
	case methodUserPass:
		user, err := authenticate(r, w, creds)
		if err != nil {
			return err
		}
		req.user = user
	}

	var h [4]byte // VER CMD RSV ATYP
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return fmt.Errorf("read request: %w", err)
	}
	if h[0] != version5 {
		return refuse(repGeneralFailure, "request version %#02x, want 5", h[0])
	}
	req.cmd = h[1]
	switch h[3] {
	case atypIPv4:
		var a [4]byte
		if _, err := io.ReadFull(r, a[:]); err != nil {
			return fmt.Errorf("read IPv4 address: %w", err)
		}
		req.host = netip.AddrFrom4(a).String()
	case atypIPv6:
		var a [16]byte
		if _, err := io.ReadFull(r, a[:]); err != nil {
			return fmt.Errorf("read IPv6 address: %w", err)
		}
		req.host = netip.AddrFrom16(a).String()
	case atypDomain:
		name, err := readBytes(r)
		if err != nil {
			return fmt.Errorf("read host name: %w", err)
		}
		req.host = string(name)
	default:
		return refuse(repAddrNotSupported, "address type %#02x not supported", h[3])
	}
	var p [2]byte
	if _, err := io.ReadFull(r, p[:]); err != nil {
		return fmt.Errorf("read port: %w", err)
	}
	req.port = uint16(p[0])<<8 | uint16(p[1])
	if req.cmd != cmdConnect {
		return refuse(repCmdNotSupported, "command %#02x not supported", req.cmd)
	}
	if h[3] == atypDomain && !validHost(req.host) {
		return refuse(repHostUnreachable, "invalid host name %q", req.host)
	}
	return nil
}

// chooseMethod picks the authentication method for the offered ones.
func chooseMethod(offered []byte, creds credentials) byte {
	want := byte(methodNone)
	if creds.required() {
		want = methodUserPass
	}
	for _, m := range offered {
		if m == want {
			return want
		}
	}
	return methodNoAcceptable
}

// authenticate runs RFC 1929 username/password authentication and returns
// the user name.
func authenticate(r io.Reader, w io.Writer, creds credentials) (string, error) {
	var v [1]byte
	if _, err := io.ReadFull(r, v[:]); err != nil {
		return "", fmt.Errorf("read auth version: %w", err)
	}
	user, err := readBytes(r)
	if err != nil {
		return "", fmt.Errorf("read user: %w", err)
	}
	pass, err := readBytes(r)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	ok := v[0] == userPassVersion && creds.match(string(user), string(pass))
	status := byte(0x00)
	if !ok {
		status = 0x01
	}
	if _, err := w.Write([]byte{userPassVersion, status}); err != nil {
		return "", fmt.Errorf("write auth status: %w", err)
	}
	if !ok {
		return "", fmt.Errorf("authentication failed for user %q", user)
	}
	return string(user), nil
}

// negotiate4 is the SOCKS4/4a request after the version byte:
// CD, DSTPORT, DSTIP, USERID NUL, and for 4a (DSTIP 0.0.0.x) HOST NUL.
func negotiate4(r io.Reader, creds credentials, req *request) error {
	var h [7]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return fmt.Errorf("read SOCKS4 request: %w", err)
	}
	req.cmd = h[0]
	req.port = uint16(h[1])<<8 | uint16(h[2])
	ip := [4]byte{h[3], h[4], h[5], h[6]}
	user, err := readCString(r)
	if err != nil {
		return fmt.Errorf("read SOCKS4 user id: %w", err)
	}
	req.user = user
	if ip[0] == 0 && ip[1] == 0 && ip[2] == 0 && ip[3] != 0 {
		if req.host, err = readCString(r); err != nil {
			return fmt.Errorf("read SOCKS4a host name: %w", err)
		}
	} else {
		req.host = netip.AddrFrom4(ip).String()
	}
	switch {
	case creds.required():
		return refuse(repNotAllowed, "SOCKS4 cannot authenticate and this server requires it")
	case req.cmd != cmdConnect:
		return refuse(repCmdNotSupported, "SOCKS4 command %#02x not supported", req.cmd)
	case !validHost(req.host):
		return refuse(repHostUnreachable, "invalid host name %q", req.host)
	}
	return nil
}

// readBytes reads a length byte and that many bytes.
func readBytes(r io.Reader) ([]byte, error) {
	var n [1]byte
	if _, err := io.ReadFull(r, n[:]); err != nil {
		return nil, err
	}
	b := make([]byte, n[0])
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, err
	}
	return b, nil
}

// readCString reads a NUL-terminated string of at most maxField bytes.
func readCString(r io.Reader) (string, error) {
	var buf []byte
	var b [1]byte
	for {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return "", err
		}
		if b[0] == 0 {
			return string(buf), nil
		}
		if len(buf) == maxField {
			return "", fmt.Errorf("longer than %d bytes", maxField)
		}
		buf = append(buf, b[0])
	}
}

// validHost accepts host names and IP literals: letters, digits, and
// "-._:" only, not empty.
func validHost(h string) bool {
	if h == "" {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-' || c == '.' || c == '_' || c == ':':
		default:
			return false
		}
	}
	return true
}
