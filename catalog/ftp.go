package catalog

import (
	"context"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/testbed-dev/testbed/servers/ftpd"
	"github.com/testbed-dev/testbed/spec"
)

// ftpKind is the built-in FTP server (servers/ftpd), vsftpd-like: anonymous
// download and upload, one user with a home, passive and active data
// connections, AUTH TLS when the project has a CA.
func ftpKind() *Kind {
	return &Kind{
		Name:    "ftp",
		Summary: "FTP server (RFC 959, 2428, 3659, 4217), vsftpd-like, with anonymous access and AUTH TLS",
		Ports: []PortInfo{
			{Port: 21, Proto: "tcp", Note: "FTP control, AUTH TLS when the project has a CA; passive data ports from the pasv-ports option"},
		},
		Credentials: ftpd.DefaultUser + " / " + ftpd.DefaultPassword + "; anonymous (any password)",
		Endpoints: []string{
			"anonymous: /pub with hello.txt, README, empty.txt, 1MiB.bin, 10MiB.bin, SHA256SUMS, dir/nested.txt",
			"anonymous: RETR of /pub/file-not-readable.txt answers 550; STOR, APPE and MKD allowed under /upload only",
			"user: a home of its own, shown as /, fully writable (STOR, APPE, MKD, RMD, DELE, RNFR/RNTO, MFMT)",
			"PASV, EPSV (and EPSV ALL), PORT and EPRT back to the client; LIST, NLST, MLSD, MLST, STAT",
			"LIST, NLST and STAT take a glob in the last path element (LIST *.txt); STOU stores under a unique name",
			"SIZE, MDTM, REST for RETR and STOR, TYPE A (CRLF conversion) and TYPE I, ABOR",
			"AUTH TLS, PBSZ 0, PROT P/C when the project has a CA",
		},
		Options: []Option{
			{Name: "user", Default: ftpd.DefaultUser, Help: "login of the user with a home"},
			{Name: "password", Default: ftpd.DefaultPassword, Help: "that user's password", Secret: true},
			{Name: "anonymous", Default: "true", Help: `allow "anonymous" and "ftp" with any password`},
			{Name: "pasv-ports", Default: "", Help: `passive data ports, "30000-30009" or "30000,30001"; empty = any free port`},
			{Name: "pasv-count", Default: "", Help: "how many passive data ports to publish in containers (1-256); empty = 32"},
			{Name: "pasv-host", Default: "", Help: "IPv4 address named in PASV replies to public-clients (e.g. 127.0.0.1)"},
			{Name: "public-clients", Default: "", Help: "comma-separated CIDRs of clients told pasv-host; others get the server's own address"},
			{Name: "root", Default: "", Help: "directory to lay the tree out in; empty = a temporary directory"},
		},
		// Passive data ports, published host port == container port. A port
		// is busy only from the PASV/EPSV reply until the transfer command
		// accepts the data connection (the listener closes then, and the
		// next one may bind the same port while the transfer runs), the
		// server rotates through them, and a session that finds them all
		// busy waits for one (ftpd.DefaultPassiveWait) rather than answering 425.
		// 32 let 32 sessions be in that window at once: 50 concurrent
		// clients listing and downloading see no 425. Every published port
		// costs the engine a userland proxy and its iptables rules at up
		// and down; pasv-count trades that against concurrency.
		DataPorts:       32,
		DataPortsOption: "pasv-count",
		Ready: func(map[string]string) *spec.Probe {
			return &spec.Probe{Banner: &spec.BannerProbe{Port: 21, Expect: "^220 "}}
		},
		Run:     runFTP,
		Scratch: true, // a reset clears the tree in place: no 11 MiB written again
	}
}

// ftpOptions turns the kind's options into server options.
func ftpOptions(env Env) (ftpd.Options, error) {
	o := env.Options
	anon, err := strconv.ParseBool(strings.TrimSpace(o["anonymous"]))
	if err != nil {
		return ftpd.Options{}, fmt.Errorf("option anonymous=%q: want true or false", o["anonymous"])
	}
	ports, err := ftpd.ParsePorts(o["pasv-ports"])
	if err != nil {
		return ftpd.Options{}, fmt.Errorf("option pasv-ports: %w", err)
	}
	clients, err := parsePrefixes(o["public-clients"])
	if err != nil {
		return ftpd.Options{}, fmt.Errorf("option public-clients: %w", err)
	}
	users := map[string]string{}
	if o["user"] != "" {
		users[o["user"]] = o["password"]
	}
	return ftpd.Options{
		Users:         users,
		Anonymous:     anon,
		Root:          o["root"],
		PassivePorts:  ports,
		PassiveHost:   strings.TrimSpace(o["pasv-host"]),
		PublicClients: clients,
		TLS:           env.TLS,
		Logger:        env.Logger,
	}, nil
}

// parsePrefixes parses "172.17.0.0/16, 10.0.0.1"; a bare address stands for
// itself alone.
func parsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("%q is neither a CIDR nor an address", f)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

func runFTP(ctx context.Context, env Env) error {
	l := env.Listeners["21/tcp"]
	if l == nil {
		return fmt.Errorf("ftp: no listener for 21/tcp")
	}
	opts, err := ftpOptions(env)
	if err != nil {
		l.Close()
		return fmt.Errorf("ftp: %w", err)
	}
	if opts.Root == "" && env.Scratch != "" {
		opts.Root, opts.Reseed = env.Scratch, true
	}
	srv, err := ftpd.New(opts)
	if err != nil {
		l.Close()
		return fmt.Errorf("ftp: %w", err)
	}
	return runServersUntilDone(ctx, "ftp", []func() error{func() error { return srv.Serve(l) }}, srv.Close)
}
