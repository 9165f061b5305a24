// Package imapd is testbed's built-in IMAP4rev1 server (RFC 3501), made for
// testing IMAP clients: plain connections with STARTTLS, implicit TLS, LOGIN
// and AUTHENTICATE PLAIN, and an in-memory store whose INBOX is seeded per
// user with a few fixed messages (one of them multipart), with stable
// UIDVALIDITY and UIDs.
//
// The server speaks the commands a client needs to log in, list and select
// mailboxes, fetch, search, flag, expunge and append messages. It does not
// aim at a complete IMAP implementation: no CREATE/RENAME/DELETE, no
// extensions beyond LITERAL+, SASL-IR, IDLE, NAMESPACE and UNSELECT.
//
// Storage sits behind the [Store] interface; [NewMemoryStore] is the default.
package imapd
