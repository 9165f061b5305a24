package catalog

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/testbed-dev/testbed/servers/imapappend"
	"github.com/testbed-dev/testbed/servers/imapd"
	"github.com/testbed-dev/testbed/servers/mailstore"
	"github.com/testbed-dev/testbed/servers/pop3d"
	"github.com/testbed-dev/testbed/servers/smtpd"
	"github.com/testbed-dev/testbed/spec"
)

// mailKind is the built-in mail server: SMTP (servers/smtpd) delivering to
// in-memory mailboxes (servers/mailstore) that POP3 (servers/pop3d) reads,
// and a copy of each message to the testbed's imap server by IMAP APPEND
// (servers/imapappend) when one runs.
func mailKind() *Kind {
	return &Kind{
		Name:    "mail",
		Summary: "SMTP (25, submission 587/465) and POP3 (110/995) with one mailbox, copied into the imap server's INBOX",
		Ports: []PortInfo{
			{Port: 25, Proto: "tcp", Note: "SMTP, STARTTLS; mail for the user taken without AUTH"},
			{Port: 587, Proto: "tcp", Note: "submission, STARTTLS, AUTH PLAIN/LOGIN required"},
			{Port: 465, Proto: "tcp", TLS: true, Note: "submission over TLS, AUTH PLAIN/LOGIN required"},
			{Port: 110, Proto: "tcp", Note: "POP3, STLS"},
			{Port: 995, Proto: "tcp", TLS: true, Note: "POP3 over TLS"},
		},
		Credentials: imapd.DefaultUser + " / " + imapd.DefaultPassword + " (SMTP AUTH, POP3; the imap kind's user, so one login reads the mail both ways)",
		Endpoints: []string{
			optInNote("mail"),
			"mail to <user>@<any domain> is delivered; other recipients get 550 (nothing is relayed)",
			"SMTP: EHLO, STARTTLS, AUTH PLAIN and LOGIN (also before STARTTLS unless insecure-auth=false), 8BITMIME, PIPELINING, SIZE 10 MiB",
			"POP3: USER/PASS, APOP, AUTH PLAIN, CAPA, STLS, STAT, LIST, UIDL, RETR, TOP, DELE, RSET, NOOP, QUIT; the maildrop holds 1 seeded message",
			"each delivered message is also appended to the user's INBOX on the imap server (option imap, default imap:143) when it runs",
			"mailboxes live in memory until the server stops",
		},
		Options: []Option{
			{Name: "user", Default: imapd.DefaultUser, Help: "the mailbox user (SMTP AUTH, POP3 and the IMAP copy's login)"},
			{Name: "password", Default: imapd.DefaultPassword, Help: "that user's password", Secret: true},
			{Name: "imap", Default: "imap:143", Help: `IMAP server (testbed name:port) that gets a copy of each message by APPEND; "" = none`},
			{Name: "insecure-auth", Default: "true", Help: "allow AUTH, USER/PASS before STARTTLS/STLS on 25, 587 and 110"},
		},
		Ready: func(map[string]string) *spec.Probe {
			return &spec.Probe{All: []*spec.Probe{
				{Banner: &spec.BannerProbe{Port: 25, Expect: "^220 "}},
				{Banner: &spec.BannerProbe{Port: 587, Expect: "^220 "}},
				{Banner: &spec.BannerProbe{Port: 465, TLS: true, Expect: "^220 "}},
				{Banner: &spec.BannerProbe{Port: 110, Expect: `^\+OK`}},
				{Banner: &spec.BannerProbe{Port: 995, TLS: true, Expect: `^\+OK`}},
			}}
		},
		Run: runMail,
	}
}

// mailWelcome is the message every maildrop starts with.
const mailWelcome = "From: testbed <postmaster@testbed.test>\r\n" +
	"To: %s\r\n" +
	"Subject: Welcome to testbed mail\r\n" +
	"Date: Mon, 01 Jan 2024 00:00:00 +0000\r\n" +
	"Message-ID: <welcome@testbed.test>\r\n" +
	"\r\n" +
	"This maildrop holds what SMTP delivered to you.\r\n"

func runMail(ctx context.Context, env Env) error {
	o := env.Options
	insecure, err := strconv.ParseBool(strings.TrimSpace(o["insecure-auth"]))
	if err != nil {
		closeAll(env)
		return fmt.Errorf("mail: option insecure-auth=%q: want true or false", o["insecure-auth"])
	}
	user := o["user"]
	if user == "" || strings.ContainsAny(user, "@ \t") {
		closeAll(env)
		return fmt.Errorf("mail: option user=%q: want a name without @ or spaces", user)
	}
	users := map[string]string{user: o["password"]}
	store := mailstore.NewMemory(user)
	if err := store.Deliver(ctx, user, []byte(fmt.Sprintf(mailWelcome, user))); err != nil {
		closeAll(env)
		return fmt.Errorf("mail: seed: %w", err)
	}
	var copies []mailstore.Deliverer
	if addr := strings.TrimSpace(o["imap"]); addr != "" {
		copies = append(copies, &imapappend.Deliverer{Addr: addr, Dialer: kindDialer(env), Users: users, Timeout: 10 * time.Second})
	}
	smtp, err := smtpd.New(smtpd.Options{Users: users, Store: store, Copies: copies, TLS: env.TLS, InsecureAuth: insecure, Logger: env.Logger})
	if err != nil {
		closeAll(env)
		return fmt.Errorf("mail: %w", err)
	}
	pop, err := pop3d.New(pop3d.Options{Users: users, Store: store, TLS: env.TLS, InsecureAuth: insecure, Logger: env.Logger})
	if err != nil {
		closeAll(env)
		return fmt.Errorf("mail: %w", err)
	}
	serves := servesOn(env.Listeners, map[string]func(net.Listener) error{
		"25/tcp": smtp.Serve, "587/tcp": smtp.ServeSubmission, "110/tcp": pop.Serve,
	})
	tlsServes := map[string]func(net.Listener) error{"465/tcp": smtp.ServeSubmissionTLS, "995/tcp": pop.ServeTLS}
	for key, serve := range tlsServes {
		l := env.Listeners[key]
		if l == nil {
			continue
		}
		if env.TLS == nil {
			env.Logger.Warn("mail: no TLS certificate, port " + key + " is not served and STARTTLS/STLS are not offered")
			_ = l.Close()
			continue
		}
		serves = append(serves, func() error { return serve(l) })
	}
	return runServersUntilDone(ctx, "mail", serves, func() error {
		return errors.Join(smtp.Close(), pop.Close())
	})
}
