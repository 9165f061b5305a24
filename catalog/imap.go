package catalog

import (
	"context"
	"log/slog"
	"net"

	"github.com/testbed-dev/testbed/servers/imapd"
	"github.com/testbed-dev/testbed/spec"
)

// imapKind is the built-in IMAP4rev1 server (servers/imapd): 143 with
// STARTTLS, 993 with implicit TLS, one user whose INBOX holds seeded mail.
func imapKind() *Kind {
	return &Kind{
		Name:    "imap",
		Summary: "IMAP4rev1 server (RFC 3501) with seeded mail, STARTTLS and implicit TLS",
		Ports: []PortInfo{
			{Port: 143, Proto: "tcp", Note: "IMAP, STARTTLS offered when the project has a CA"},
			{Port: 993, Proto: "tcp", TLS: true, Note: "IMAP over TLS, certificate from the project CA"},
		},
		Credentials: imapd.DefaultUser + " / " + imapd.DefaultPassword,
		Endpoints: []string{
			"LOGIN and AUTHENTICATE PLAIN (SASL-IR); LITERAL+, IDLE, NAMESPACE, UNSELECT",
			"mailboxes INBOX, Sent, Trash; INBOX holds 4 seeded messages (UIDVALIDITY 1, UIDs 1-4), one multipart",
			"CREATE, DELETE, RENAME (hierarchy \"/\"), SUBSCRIBE/UNSUBSCRIBE; IDLE pushes other sessions' changes; \\Recent",
			"SELECT/EXAMINE, LIST/LSUB, STATUS, FETCH and UID FETCH (ENVELOPE, BODYSTRUCTURE, BODY[...] with partials)",
			"SEARCH, STORE, COPY, APPEND, EXPUNGE, CLOSE; changes live in memory until the server stops",
		},
		Options: []Option{
			{Name: "user", Default: imapd.DefaultUser, Help: "IMAP user name"},
			{Name: "password", Default: imapd.DefaultPassword, Help: "IMAP password", Secret: true},
		},
		Ready: func(map[string]string) *spec.Probe {
			return &spec.Probe{All: []*spec.Probe{
				{Banner: &spec.BannerProbe{Port: 143, Expect: `^\* OK`}},
				{Banner: &spec.BannerProbe{Port: 993, TLS: true, Expect: `^\* OK`}},
			}}
		},
		Run: runIMAP,
	}
}

func runIMAP(ctx context.Context, env Env) error {
	if env.Logger == nil {
		env.Logger = slog.New(slog.DiscardHandler)
	}
	srv := imapd.New(imapd.Options{
		Users:  map[string]string{env.Options["user"]: env.Options["password"]},
		TLS:    env.TLS,
		Logger: env.Logger,
	})
	serves := servesOn(env.Listeners, map[string]func(net.Listener) error{"143/tcp": srv.Serve})
	if l := env.Listeners["993/tcp"]; l != nil {
		if env.TLS == nil {
			env.Logger.Warn("imap: no TLS certificate, port 993 is not served and STARTTLS is not offered")
			_ = l.Close()
		} else {
			serves = append(serves, func() error { return srv.ServeTLS(l) })
		}
	}
	return runServersUntilDone(ctx, "imap", serves, srv.Close)
}
