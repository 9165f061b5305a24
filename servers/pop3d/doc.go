// Package pop3d is testbed's built-in POP3 server (RFC 1939): USER/PASS
// and APOP logins, STAT, LIST, RETR, DELE, NOOP, RSET, QUIT, TOP and UIDL,
// CAPA (RFC 2449), STLS (RFC 2595) and AUTH PLAIN (RFC 5034), over a
// [mailstore.Store].
//
// A session locks its user's maildrop, as RFC 1939 asks: a second login of
// the same user is refused with -ERR [IN-USE] until the first ends.
// Deletions take effect at QUIT (the UPDATE state); a connection that
// drops without QUIT deletes nothing.
package pop3d
