package sftpd_test

import (
	"bytes"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"

	"github.com/testbed-dev/testbed/servers/sftpd"
)

type bed struct {
	addr string
	key  ssh.PublicKey
}

func start(t *testing.T) bed {
	t.Helper()
	srv, err := sftpd.New(sftpd.Options{MaxUpload: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("Serve() after Close = %v", err)
		}
	})
	return bed{addr: l.Addr().String(), key: srv.HostKey()}
}

func connect(t *testing.T, b bed, user string, auth ssh.AuthMethod) (*sftp.Client, error) {
	t.Helper()
	sc, err := ssh.Dial("tcp", b.addr, &ssh.ClientConfig{
		User: user, Auth: []ssh.AuthMethod{auth},
		HostKeyCallback: ssh.FixedHostKey(b.key), Timeout: 10 * time.Second,
	})
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { sc.Close() })
	c, err := sftp.NewClient(sc)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { c.Close() })
	return c, nil
}

func TestGoClient(t *testing.T) {
	b := start(t)
	c, err := connect(t, b, "sftptest", ssh.Password("password"))
	if err != nil {
		t.Fatalf("password login: %v", err)
	}
	read := func(name string) []byte {
		t.Helper()
		f, err := c.Open(name)
		if err != nil {
			t.Fatalf("Open(%s) = %v", name, err)
		}
		defer f.Close()
		data, err := io.ReadAll(f)
		if err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
		return data
	}
	if got := string(read("/files/hello.txt")); got != "hello from testbed\n" {
		t.Errorf("hello.txt = %q", got)
	}
	large := read("/files/large-1m.bin")
	for i, x := range large {
		if x != byte(i%251) {
			t.Fatalf("large-1m.bin byte %d = %d", i, x)
		}
	}
	if len(large) != 1<<20 {
		t.Errorf("large-1m.bin is %d bytes", len(large))
	}
	entries, err := c.ReadDir("/files")
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if err != nil || strings.Join(names, " ") != "dir empty.txt hello.txt large-1m.bin" {
		t.Errorf("ReadDir(/files) = %v, %v", names, err)
	}
	// Uploads: write, read back, rename, mkdir, remove.
	f, err := c.Create("/upload/new.txt")
	if err != nil {
		t.Fatalf("Create in /upload: %v", err)
	}
	f.Write([]byte("uploaded"))
	f.Close()
	if err := c.Rename("/upload/new.txt", "/upload/moved.txt"); err != nil {
		t.Errorf("Rename = %v", err)
	}
	if got := string(read("/upload/moved.txt")); got != "uploaded" {
		t.Errorf("read back = %q", got)
	}
	if err := c.Mkdir("/upload/sub"); err != nil {
		t.Errorf("Mkdir = %v", err)
	}
	if err := c.Remove("/upload/moved.txt"); err != nil {
		t.Errorf("Remove = %v", err)
	}
	// The seeded tree is read-only.
	for name, op := range map[string]func() error{
		"create": func() error { _, err := c.Create("/files/evil.txt"); return err },
		"remove": func() error { return c.Remove("/files/hello.txt") },
		"mkdir":  func() error { return c.Mkdir("/evil") },
		"rename": func() error { return c.Rename("/files/hello.txt", "/upload/stolen.txt") },
		"chmod":  func() error { return c.Chmod("/files/hello.txt", 0o777) },
		"escape": func() error { _, err := c.Create("/upload/../files/evil.txt"); return err },
		"too big": func() error {
			f, _ := c.Create("/upload/big")
			_, err := f.Write(make([]byte, 2<<20))
			f.Close()
			return err
		},
	} {
		if err := op(); err == nil {
			t.Errorf("%s outside /upload succeeded, want a refusal", name)
		}
	}
}

func TestLogins(t *testing.T) {
	b := start(t)
	if _, err := connect(t, b, "sftpkey", ssh.PublicKeys(sftpd.InsecureUserSigner())); err != nil {
		t.Errorf("key login with the insecure test key: %v", err)
	}
	if _, err := connect(t, b, "sftptest", ssh.Password("wrong")); err == nil {
		t.Error("wrong password accepted")
	}
	if _, err := connect(t, b, "sftptest", ssh.PublicKeys(sftpd.InsecureUserSigner())); err == nil {
		t.Error("the test key accepted for the password user")
	}
	// The key file parses back to the same key.
	s, err := ssh.ParsePrivateKey(sftpd.InsecureUserKeyPEM())
	if err != nil || !bytes.Equal(s.PublicKey().Marshal(), sftpd.InsecureUserSigner().PublicKey().Marshal()) {
		t.Errorf("InsecureUserKeyPEM() parses to another key: %v", err)
	}
	// A command is refused: only the sftp subsystem runs.
	sc, err := ssh.Dial("tcp", b.addr, &ssh.ClientConfig{User: "sftptest", Auth: []ssh.AuthMethod{ssh.Password("password")},
		HostKeyCallback: ssh.FixedHostKey(b.key), Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	sess, err := sc.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if out, err := sess.CombinedOutput("id"); err == nil {
		t.Errorf("exec id = %q, nil; want a refusal", out)
	}
}
