// Package imapd is testbed's built-in IMAP4rev1 server (RFC 3501), made for
// testing IMAP clients: plain connections with STARTTLS, implicit TLS, LOGIN
// and AUTHENTICATE PLAIN, and an in-memory store whose INBOX is seeded per
// user with a few fixed messages (one of them multipart), with stable
// UIDVALIDITY and UIDs.
//
// The server speaks the commands a client needs to log in; list, create,
// delete, rename and subscribe to mailboxes ("/" separates hierarchy
// levels); select them; fetch, search, flag, copy, expunge and append
// messages; and wait for new mail with IDLE (RFC 2177), which reports what
// other sessions append, copy, flag and expunge as it happens. Messages are
// \Recent to the first session that sees them. It does not aim at a
// complete IMAP implementation: no extensions beyond LITERAL+, SASL-IR,
// IDLE, NAMESPACE and UNSELECT.
//
// Storage sits behind the [Store] interface, and creating, deleting and
// renaming mailboxes behind [MailboxEditor]; [NewMemoryStore] is the
// default, and keeps everything in memory for as long as the server runs.
// Subscriptions and \Recent flags are kept by the [Server] itself.
package imapd
