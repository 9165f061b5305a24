package catalog

import (
	"context"
	"fmt"
	"net"
	"strconv"

	"github.com/testbed-dev/testbed/servers/sftpd"
	"github.com/testbed-dev/testbed/spec"
)

// sftpKind is the built-in SSH/SFTP server (servers/sftpd).
func sftpKind() *Kind {
	return &Kind{
		Name:    "sftp",
		Summary: "SFTP over SSH (and scp, which speaks SFTP since OpenSSH 9): seeded read-only files, a writable /upload",
		Ports: []PortInfo{
			{Port: 22, Proto: "tcp", Note: "SSH, sftp subsystem only"},
			{Port: 8022, Proto: "tcp", TLS: true, Note: "HTTPS: GET /host-key, the SSH host key to pin (project CA)"},
		},
		Credentials: sftpd.DefaultUser + " / " + sftpd.DefaultPassword + "; " + sftpd.DefaultKeyUser + " with the well-known insecure test key (README)",
		Endpoints: []string{
			"/readme.txt, /files/{hello.txt,empty.txt,dir/nested.txt,large-1m.bin}: read-only (large-1m.bin: byte i = i % 251)",
			"/upload: writable (put, mkdir, rename, remove, setstat), in a temporary directory (a tmpfs in containers), shared by every user, files up to max-upload",
			"the host key is new at every start, but stays the same across a reuse's reset (or the host-key option); fetch it from https://HOST:8022/host-key to pin it",
			"no shell, exec (so no legacy scp -O), port or agent forwarding",
		},
		Options: []Option{
			{Name: "user", Default: sftpd.DefaultUser, Help: "the password user"},
			{Name: "password", Default: sftpd.DefaultPassword, Help: "its password", Secret: true},
			{Name: "key-user", Default: sftpd.DefaultKeyUser, Help: "the public-key user"},
			{Name: "authorized-keys", Default: "", Help: "keys of the public-key user, authorized_keys lines (default: the insecure test key)"},
			{Name: "host-key", Default: "", Help: "host private key, PEM (default: a new ed25519 key at each start)", Secret: true},
			{Name: "max-upload", Default: strconv.Itoa(sftpd.DefaultMaxUpload), Help: "largest file in /upload, bytes"},
		},
		Ready: func(map[string]string) *spec.Probe {
			return &spec.Probe{All: []*spec.Probe{
				{Banner: &spec.BannerProbe{Port: 22, Expect: "^SSH-2\\.0-"}},
				{HTTP: &spec.HTTPProbe{Port: 8022, Path: "/host-key", Status: 200, TLS: true}},
			}}
		},
		Run: runSFTP,
		KeepAcrossReset: func(opts map[string]string) error {
			if opts["host-key"] != "" {
				return nil
			}
			key, err := sftpd.NewHostKeyPEM()
			if err != nil {
				return err
			}
			opts["host-key"] = string(key)
			return nil
		},
	}
}

func runSFTP(ctx context.Context, env Env) error {
	opts := sftpd.Options{
		User:     env.Options["user"],
		Password: env.Options["password"],
		KeyUser:  env.Options["key-user"],
		Logger:   env.Logger,
	}
	var err error
	if opts.MaxUpload, err = strconv.ParseInt(env.Options["max-upload"], 10, 64); err != nil || opts.MaxUpload < 1 {
		return fmt.Errorf("sftp: option max-upload=%q: want a positive number of bytes", env.Options["max-upload"])
	}
	if v := env.Options["authorized-keys"]; v != "" {
		if opts.AuthorizedKeys, err = sftpd.ParseAuthorizedKeys([]byte(v)); err != nil {
			return fmt.Errorf("sftp: option authorized-keys: %w", err)
		}
	}
	if v := env.Options["host-key"]; v != "" {
		if opts.HostKey, err = sftpd.ParseHostKey([]byte(v)); err != nil {
			return fmt.Errorf("sftp: option host-key: %w", err)
		}
	}
	srv, err := sftpd.New(opts)
	if err != nil {
		return fmt.Errorf("sftp: %w", err)
	}
	serves := servesOn(env.Listeners, map[string]func(net.Listener) error{"22/tcp": srv.Serve})
	if l := env.Listeners["8022/tcp"]; l != nil {
		if env.TLS == nil {
			env.Logger.Warn("sftp: no TLS certificate, port 8022 is not served")
			_ = l.Close()
		} else {
			serves = append(serves, func() error { return srv.ServeHostKey(l, env.TLS) })
		}
	}
	return runServersUntilDone(ctx, "sftp", serves, srv.Close)
}
