// Package smtpd is testbed's built-in SMTP server: relay-less delivery to
// local mailboxes on port 25 (AUTH optional) and message submission
// (RFC 6409) on 587 and on 465 with implicit TLS (RFC 8314), AUTH
// required; STARTTLS (RFC 3207) where a certificate is given; AUTH PLAIN
// and LOGIN (RFC 4954).
//
// The protocol engine is github.com/emersion/go-smtp; this package gives
// it testbed's server shape ([Options], [New], [Server.Serve],
// [Server.ServeSubmission], [Server.ServeSubmissionTLS], [Server.Close]),
// the users who may log in, and delivery: a recipient whose local part
// (before the @, any domain) is a mailbox of the [mailstore.Store] gets the
// message there, and a copy goes to each of Options.Copies (best effort,
// logged); any other recipient is refused with 550, as nothing is relayed.
package smtpd
