package imapd

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"strings"
)

func (s *session) cmdCapability(c *command) status {
	if len(c.args) != 0 {
		return respBAD("CAPABILITY takes no arguments")
	}
	s.untagged("CAPABILITY " + s.capabilities())
	return respOK("", "CAPABILITY completed")
}

func (s *session) cmdNoop(c *command) status {
	if len(c.args) != 0 {
		return respBAD("%s takes no arguments", c.name)
	}
	if s.state == stateSelected {
		if st, failed := s.sync(); failed {
			return st
		}
	}
	return respOK("", c.name+" completed")
}

func (s *session) cmdLogout(c *command) status {
	if len(c.args) != 0 {
		return respBAD("LOGOUT takes no arguments")
	}
	s.untagged("BYE testbed IMAP4rev1 server logging out")
	s.state = stateLogout
	return respOK("", "LOGOUT completed")
}

func (s *session) cmdStartTLS(c *command) status {
	switch {
	case len(c.args) != 0:
		return respBAD("STARTTLS takes no arguments")
	case s.srv.tls == nil:
		return respBAD("STARTTLS not available")
	case s.tls:
		return respBAD("TLS already active")
	}
	s.startTLS = true
	return respOK("", "Begin TLS negotiation now")
}

func (s *session) cmdLogin(c *command) status {
	if len(c.args) != 2 || !c.args[0].isString() || !c.args[1].isString() {
		return respBAD("LOGIN needs a user name and a password")
	}
	return s.login(c.args[0].s, c.args[1].s, "LOGIN")
}

// login checks credentials and authenticates the session.
func (s *session) login(user, password, cmd string) status {
	want, known := s.srv.users[user]
	if !known || subtle.ConstantTimeCompare([]byte(want), []byte(password)) != 1 {
		s.log.Info("imapd: authentication failed", "user", user)
		return respNO("AUTHENTICATIONFAILED", "Invalid credentials")
	}
	s.user = user
	s.state = stateAuthenticated
	s.log.Debug("imapd: authenticated", "user", user)
	return respOK("CAPABILITY "+s.capabilities(), cmd+" completed")
}

// cmdAuthenticate runs AUTHENTICATE PLAIN (RFC 4616), with or without an
// initial response (RFC 4959).
func (s *session) cmdAuthenticate(c *command) status {
	if len(c.args) < 1 || len(c.args) > 2 || c.args[0].kind != argAtom {
		return respBAD("AUTHENTICATE needs a mechanism")
	}
	if !strings.EqualFold(c.args[0].s, "PLAIN") {
		return respNO("", "Unsupported authentication mechanism")
	}
	var resp string
	if len(c.args) == 2 {
		if c.args[1].kind != argAtom {
			return respBAD("invalid initial response")
		}
		resp = c.args[1].s
		if resp == "=" {
			resp = ""
		}
	} else {
		s.writeLine("+ ")
		if err := s.flush(); err != nil {
			return respBAD("%v", err)
		}
		line, err := s.r.readLine()
		if err != nil {
			s.state = stateLogout // the connection is unusable
			return respBAD("%v", err)
		}
		resp = string(line)
	}
	if resp == "*" {
		return respBAD("AUTHENTICATE cancelled")
	}
	data, err := base64.StdEncoding.DecodeString(resp)
	if err != nil {
		return respBAD("invalid base64 in AUTHENTICATE response")
	}
	parts := bytes.Split(data, []byte{0})
	if len(parts) != 3 {
		return respNO("AUTHENTICATIONFAILED", "Invalid PLAIN response")
	}
	authz, user, password := string(parts[0]), string(parts[1]), string(parts[2])
	if authz != "" && authz != user {
		return respNO("AUTHORIZATIONFAILED", "Cannot act as another user")
	}
	return s.login(user, password, "AUTHENTICATE")
}
