package pop3d

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"crypto/subtle"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/testbed-dev/testbed/servers/mailstore"
)

// session is one connection: AUTHORIZATION until a login, then
// TRANSACTION on a snapshot of the maildrop, UPDATE at QUIT.
type session struct {
	srv     *Server
	conn    net.Conn
	r       *bufio.Reader
	w       *bufio.Writer
	secure  bool
	log     *slog.Logger
	stamp   string // APOP timestamp of the greeting
	user    string // USER given, not yet logged in
	authed  string // logged-in user; "" in AUTHORIZATION
	msgs    []mailstore.Message
	deleted []bool
	bad     int
}

func newSession(s *Server, c net.Conn, secure bool) *session {
	var nonce [8]byte
	rand.Read(nonce[:])
	return &session{
		srv: s, conn: c, secure: secure,
		r:     bufio.NewReaderSize(c, maxLine),
		w:     bufio.NewWriter(c),
		log:   s.log.With("remote", c.RemoteAddr().String()),
		stamp: fmt.Sprintf("<%s.%d@%s>", hex.EncodeToString(nonce[:]), time.Now().Unix(), s.opts.Hostname),
	}
}

func (ss *session) run() {
	defer func() {
		if ss.authed != "" {
			ss.srv.unlock(ss.authed)
		}
	}()
	ss.log.Debug("pop3: connection", "tls", ss.secure)
	ss.reply(true, "POP3 testbed ready "+ss.stamp)
	for {
		ss.conn.SetReadDeadline(time.Now().Add(idleTimeout))
		line, err := ss.readLine()
		if err != nil {
			if err == errLineTooLong {
				ss.reply(false, "line too long")
			}
			return
		}
		cmd, arg, _ := strings.Cut(line, " ")
		if quit := ss.dispatch(strings.ToUpper(cmd), arg); quit {
			return
		}
		if ss.bad >= maxBadCmds {
			ss.reply(false, "too many bad commands, closing")
			return
		}
	}
}

var errLineTooLong = fmt.Errorf("line too long")

func (ss *session) readLine() (string, error) {
	line, err := ss.r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		return "", errLineTooLong
	}
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(line), "\r\n"), nil
}

// reply writes "+OK text" or "-ERR text" and flushes.
func (ss *session) reply(ok bool, text string) {
	status := "+OK"
	if !ok {
		status = "-ERR"
	}
	if text != "" {
		status += " " + text
	}
	ss.w.WriteString(status + "\r\n")
	ss.w.Flush()
}

// multi writes a +OK line, then lines dot-stuffed, then the terminating ".".
func (ss *session) multi(text string, lines []string) {
	ss.w.WriteString("+OK " + text + "\r\n")
	for _, l := range lines {
		if strings.HasPrefix(l, ".") {
			ss.w.WriteString(".")
		}
		ss.w.WriteString(l + "\r\n")
	}
	ss.w.WriteString(".\r\n")
	ss.w.Flush()
}

func (ss *session) dispatch(cmd, arg string) (quit bool) {
	if cmd == "QUIT" {
		ss.quit()
		return true
	}
	if cmd == "CAPA" {
		ss.multi("capability list follows", ss.capabilities())
		return false
	}
	if cmd == "NOOP" && ss.authed != "" {
		ss.reply(true, "")
		return false
	}
	if ss.authed == "" {
		switch cmd {
		case "USER":
			ss.cmdUser(arg)
		case "PASS":
			ss.cmdPass(arg)
		case "APOP":
			ss.cmdAPOP(arg)
		case "AUTH":
			ss.cmdAuth(arg)
		case "STLS":
			return ss.cmdSTLS()
		default:
			ss.bad++
			ss.reply(false, "unknown command or not logged in")
		}
		return false
	}
	switch cmd {
	case "STAT":
		n, size := 0, 0
		for i, m := range ss.msgs {
			if !ss.deleted[i] {
				n++
				size += len(m.Data)
			}
		}
		ss.reply(true, fmt.Sprintf("%d %d", n, size))
	case "LIST", "UIDL":
		ss.cmdList(cmd, arg)
	case "RETR":
		if i, ok := ss.message(arg); ok {
			ss.multi(fmt.Sprintf("%d octets", len(ss.msgs[i].Data)), splitLines(ss.msgs[i].Data, -1))
		}
	case "TOP":
		ss.cmdTop(arg)
	case "DELE":
		if i, ok := ss.message(arg); ok {
			ss.deleted[i] = true
			ss.reply(true, "message "+arg+" deleted")
		}
	case "RSET":
		clear(ss.deleted)
		ss.reply(true, fmt.Sprintf("maildrop has %d messages", len(ss.msgs)))
	default:
		ss.bad++
		ss.reply(false, "unknown command")
	}
	return false
}

func (ss *session) capabilities() []string {
	caps := []string{"TOP", "UIDL", "RESP-CODES", "PIPELINING", "AUTH-RESP-CODE", "IMPLEMENTATION testbed"}
	if ss.authed == "" {
		if ss.loginAllowed() {
			caps = append(caps, "USER", "SASL PLAIN")
		}
		if ss.srv.opts.TLS != nil && !ss.secure {
			caps = append(caps, "STLS")
		}
	}
	return caps
}

func (ss *session) loginAllowed() bool { return ss.secure || ss.srv.opts.InsecureAuth }

func (ss *session) cmdUser(arg string) {
	if !ss.loginAllowed() {
		ss.reply(false, "[AUTH] use STLS first")
		return
	}
	if arg == "" {
		ss.reply(false, "USER needs a name")
		return
	}
	ss.user = arg
	ss.reply(true, "send PASS")
}

func (ss *session) cmdPass(arg string) {
	if ss.user == "" {
		ss.reply(false, "USER first")
		return
	}
	user := ss.user
	ss.user = ""
	want, ok := ss.srv.opts.Users[user]
	ss.finishLogin(user, ok && subtle.ConstantTimeCompare([]byte(want), []byte(arg)) == 1, "PASS")
}

func (ss *session) cmdAPOP(arg string) {
	user, digest, _ := strings.Cut(arg, " ")
	want, ok := ss.srv.opts.Users[user]
	sum := md5.Sum([]byte(ss.stamp + want))
	ok = ok && subtle.ConstantTimeCompare([]byte(hex.EncodeToString(sum[:])), []byte(strings.ToLower(digest))) == 1
	ss.finishLogin(user, ok, "APOP")
}

// cmdAuth is AUTH PLAIN (RFC 5034), with or without an initial response.
func (ss *session) cmdAuth(arg string) {
	mech, initial, hasInitial := strings.Cut(arg, " ")
	if !strings.EqualFold(mech, "PLAIN") {
		ss.reply(false, "only AUTH PLAIN")
		return
	}
	if !ss.loginAllowed() {
		ss.reply(false, "[AUTH] use STLS first")
		return
	}
	if !hasInitial {
		ss.w.WriteString("+ \r\n")
		ss.w.Flush()
		line, err := ss.readLine()
		if err != nil {
			return
		}
		initial = line
	}
	if initial == "*" {
		ss.reply(false, "AUTH cancelled")
		return
	}
	raw, err := base64.StdEncoding.DecodeString(initial)
	parts := bytes.Split(raw, []byte{0})
	if err != nil || len(parts) != 3 || (len(parts[0]) > 0 && !bytes.Equal(parts[0], parts[1])) {
		ss.reply(false, "malformed AUTH PLAIN response")
		return
	}
	user := string(parts[1])
	want, ok := ss.srv.opts.Users[user]
	ss.finishLogin(user, ok && subtle.ConstantTimeCompare([]byte(want), parts[2]) == 1, "AUTH PLAIN")
}

// finishLogin enters TRANSACTION for user when ok and the maildrop is free.
func (ss *session) finishLogin(user string, ok bool, how string) {
	if !ok {
		ss.log.Info("pop3: login refused", "user", user, "how", how)
		ss.reply(false, "[AUTH] invalid user name or password")
		return
	}
	if !ss.srv.lock(user) {
		ss.log.Info("pop3: maildrop busy", "user", user)
		ss.reply(false, "[IN-USE] maildrop already locked by another session")
		return
	}
	msgs, err := ss.srv.opts.Store.Messages(user)
	if err != nil {
		ss.srv.unlock(user)
		ss.log.Warn("pop3: open maildrop", "user", user, "err", err)
		ss.reply(false, "[SYS/TEMP] cannot open maildrop")
		return
	}
	ss.authed, ss.msgs, ss.deleted = user, msgs, make([]bool, len(msgs))
	size := 0
	for _, m := range msgs {
		size += len(m.Data)
	}
	ss.log.Info("pop3: login", "user", user, "how", how, "messages", len(msgs), "tls", ss.secure)
	ss.reply(true, fmt.Sprintf("%s's maildrop has %d messages (%d octets)", user, len(msgs), size))
}

func (ss *session) cmdSTLS() (quit bool) {
	if ss.srv.opts.TLS == nil || ss.secure {
		ss.reply(false, "STLS not available")
		return false
	}
	ss.reply(true, "begin TLS negotiation")
	tc := tls.Server(ss.conn, ss.srv.opts.TLS)
	tc.SetDeadline(time.Now().Add(30 * time.Second))
	if err := tc.Handshake(); err != nil {
		ss.log.Info("pop3: STLS handshake failed", "err", err)
		return true
	}
	tc.SetDeadline(time.Time{})
	ss.conn, ss.secure = tc, true
	ss.r, ss.w = bufio.NewReaderSize(tc, maxLine), bufio.NewWriter(tc)
	ss.user = ""
	return false
}

// message resolves a message number argument, replying -ERR when it names
// no message or a deleted one.
func (ss *session) message(arg string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(arg))
	if err != nil || n < 1 || n > len(ss.msgs) {
		ss.reply(false, "no such message")
		return 0, false
	}
	if ss.deleted[n-1] {
		ss.reply(false, "message "+strconv.Itoa(n)+" already deleted")
		return 0, false
	}
	return n - 1, true
}

func (ss *session) cmdList(cmd, arg string) {
	item := func(i int) string {
		if cmd == "UIDL" {
			return fmt.Sprintf("%d %s", i+1, ss.msgs[i].UID)
		}
		return fmt.Sprintf("%d %d", i+1, len(ss.msgs[i].Data))
	}
	if strings.TrimSpace(arg) != "" {
		if i, ok := ss.message(arg); ok {
			ss.reply(true, item(i))
		}
		return
	}
	var lines []string
	for i := range ss.msgs {
		if !ss.deleted[i] {
			lines = append(lines, item(i))
		}
	}
	ss.multi(fmt.Sprintf("%d messages", len(lines)), lines)
}

func (ss *session) cmdTop(arg string) {
	num, nstr, _ := strings.Cut(strings.TrimSpace(arg), " ")
	n, err := strconv.Atoi(strings.TrimSpace(nstr))
	if err != nil || n < 0 {
		ss.reply(false, "TOP needs a message number and a line count")
		return
	}
	if i, ok := ss.message(num); ok {
		ss.multi("top of message follows", splitLines(ss.msgs[i].Data, n))
	}
}

func (ss *session) quit() {
	if ss.authed == "" {
		ss.reply(true, "bye")
		return
	}
	var uids []string
	for i, d := range ss.deleted {
		if d {
			uids = append(uids, ss.msgs[i].UID)
		}
	}
	if len(uids) > 0 {
		if err := ss.srv.opts.Store.Delete(ss.authed, uids); err != nil {
			ss.log.Warn("pop3: delete", "user", ss.authed, "err", err)
			ss.reply(false, "[SYS/TEMP] some deleted messages not removed")
			return
		}
	}
	ss.log.Info("pop3: logout", "user", ss.authed, "deleted", len(uids))
	// Unlock before the reply: a client that logs in again after +OK must
	// find the maildrop free.
	ss.srv.unlock(ss.authed)
	ss.authed = ""
	ss.reply(true, fmt.Sprintf("bye, %d messages deleted", len(uids)))
}

// splitLines splits msg into lines without their ends. With body >= 0 it
// keeps the header, the blank line and the first body lines of the body
// (TOP).
func splitLines(msg []byte, body int) []string {
	text := strings.TrimSuffix(strings.ReplaceAll(string(msg), "\r\n", "\n"), "\n")
	lines := strings.Split(text, "\n")
	if body < 0 {
		return lines
	}
	for i, l := range lines {
		if l == "" {
			end := min(len(lines), i+1+body)
			return lines[:end]
		}
	}
	return lines
}
