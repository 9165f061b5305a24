package ftpd

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"path/filepath"
	"strings"
)

// maxLoginFailures wrong passwords end the session (vsftpd's max_login_fails).
const maxLoginFailures = 3

func isAnonymousLogin(login string) bool {
	return strings.EqualFold(login, "anonymous") || strings.EqualFold(login, "ftp")
}

// logout forgets the logged-in user and every per-user setting.
func (s *session) logout() {
	if s.view != nil {
		s.view.close()
	}
	s.view, s.loggedIn, s.login, s.user = nil, false, "", ""
	s.cwd, s.restOffset, s.renameFrom = "/", 0, ""
	s.closeData()
}

func (s *session) cmdUSER(arg string) {
	s.logout()
	s.user = arg
	// Unknown users and anonymous on a server without it are refused only at
	// PASS, so that USER tells nothing about which logins exist.
	s.reply(331, "Please specify the password.")
}

func (s *session) cmdPASS(arg string) {
	if s.loggedIn {
		s.reply(230, "Already logged in.")
		return
	}
	if s.user == "" {
		s.reply(503, "Login with USER first.")
		return
	}
	user := s.user
	s.user = ""
	var dir string
	anon := isAnonymousLogin(user)
	switch {
	case anon && s.srv.anonymous:
		dir = filepath.Join(s.srv.root, anonDir)
	case !anon && s.checkPassword(user, arg):
		dir = filepath.Join(s.srv.root, homeDir, user)
	default:
		s.failures++
		s.log.Info("ftp login failed", "user", user)
		s.reply(530, "Login incorrect.")
		if s.failures >= maxLoginFailures {
			s.quit = true
		}
		return
	}
	v, err := openView(dir, anon)
	if err != nil {
		s.log.Error("ftp login: open root", "user", user, "err", err)
		s.reply(530, "Login incorrect: cannot open home directory.")
		return
	}
	s.view, s.loggedIn, s.login, s.cwd = v, true, user, "/"
	s.log.Info("ftp login", "user", user)
	s.reply(230, "Login successful.")
}

// checkPassword compares in constant time, and spends the same time on an
// unknown login.
func (s *session) checkPassword(user, pass string) bool {
	want, ok := s.srv.users[user]
	if !ok {
		want = "\x00no such user"
	}
	return subtle.ConstantTimeCompare([]byte(want), []byte(pass)) == 1 && ok
}

func (s *session) cmdREIN(string) {
	s.logout()
	s.reply(220, "Service ready for new user.")
}

func (s *session) cmdQUIT(string) {
	s.reply(221, "Goodbye.")
	s.quit = true
}

// cmdAUTH starts TLS on the control connection (RFC 4217). Bytes the client
// sent after AUTH are discarded so that nothing sent in clear text is taken
// as a command of the protected session.
func (s *session) cmdAUTH(arg string) {
	mech := strings.ToUpper(strings.TrimSpace(arg))
	switch {
	case s.srv.tls == nil:
		s.reply(502, "TLS is not configured.")
		return
	case mech != "TLS" && mech != "SSL" && mech != "TLS-C":
		s.reply(504, "Unknown AUTH type.")
		return
	case s.tlsOn:
		s.reply(503, "Already using TLS.")
		return
	case s.reading:
		// A line is being read ahead; it would eat the TLS handshake.
		s.reply(503, "AUTH not allowed now.")
		return
	}
	s.reply(234, "Proceed with negotiation.")
	if s.writeErr != nil {
		return
	}
	s.logout()
	s.pending = nil
	tc := tls.Server(s.raw, s.srv.tls)
	ctx, cancel := context.WithTimeout(context.Background(), s.srv.dataTimeout)
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		s.log.Info("ftp AUTH TLS handshake failed", "err", err)
		s.quit = true
		return
	}
	s.conn = tc
	s.br.Reset(tc)
	s.tlsOn = true
}

func (s *session) cmdPBSZ(arg string) {
	if !s.tlsOn {
		s.reply(503, "PBSZ needs a TLS connection.")
		return
	}
	s.reply(200, "PBSZ=0")
}

func (s *session) cmdPROT(arg string) {
	if !s.tlsOn {
		s.reply(503, "PROT needs a TLS connection.")
		return
	}
	switch strings.ToUpper(strings.TrimSpace(arg)) {
	case "C":
		s.protected = false
		s.reply(200, "PROT now Clear.")
	case "P":
		s.protected = true
		s.reply(200, "PROT now Private.")
	case "S", "E":
		s.reply(536, "PROT level not supported.")
	default:
		s.reply(504, "Unrecognised PROT level.")
	}
}
