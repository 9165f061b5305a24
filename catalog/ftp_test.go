package catalog

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jlaffaye/ftp"
)

// startFTPKind runs the ftp kind with the given options on 127.0.0.1:0 until
// the test ends and returns its control address.
func startFTPKind(t *testing.T, given map[string]string) string {
	t.Helper()
	k, ok := New().Kind("ftp")
	if !ok {
		t.Fatal(`Kind("ftp") missing from the catalogue`)
	}
	opts, err := k.ResolveOptions(given)
	if err != nil {
		t.Fatalf("ResolveOptions() = %v", err)
	}
	ls, _, err := k.Listen("127.0.0.1", map[string]int{"21/tcp": 0})
	if err != nil {
		t.Fatalf("Listen() = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- k.Run(ctx, Env{Listeners: ls, Options: opts, Logger: slog.New(slog.DiscardHandler)})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run() after cancel = %v, want nil", err)
		}
	})
	return ls["21/tcp"].Addr().String()
}

func TestFTPKindRun(t *testing.T) {
	k, _ := New().Kind("ftp")
	if p := k.Ready(nil); p.Banner == nil || p.Banner.Port != 21 || p.Banner.Expect != "^220 " {
		t.Errorf("Ready() = %+v, want a banner probe on 21 for ^220", p)
	}
	if !k.SecretOption("password") {
		t.Errorf("option password is not secret")
	}
	addr := startFTPKind(t, map[string]string{"user": "alice", "password": "s3cret"})

	c, err := ftp.Dial(addr, ftp.DialWithTimeout(10*time.Second))
	if err != nil {
		t.Fatalf("Dial() = %v", err)
	}
	defer c.Quit()
	if err := c.Login("anonymous", "x"); err != nil {
		t.Fatalf("Login(anonymous) = %v", err)
	}
	r, err := c.Retr("/pub/hello.txt")
	if err != nil {
		t.Fatalf("Retr() = %v", err)
	}
	got, _ := io.ReadAll(r)
	r.Close()
	if string(got) != "Hello, World!\n" {
		t.Errorf("Retr(/pub/hello.txt) = %q", got)
	}

	u, err := ftp.Dial(addr, ftp.DialWithTimeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer u.Quit()
	if err := u.Login("alice", "s3cret"); err != nil {
		t.Fatalf("Login(alice) = %v", err)
	}
	if err := u.Stor("note.txt", strings.NewReader("hi")); err != nil {
		t.Errorf("Stor() in alice's home = %v", err)
	}
}

func TestFTPKindNoAnonymous(t *testing.T) {
	addr := startFTPKind(t, map[string]string{"anonymous": "false"})
	c, err := ftp.Dial(addr, ftp.DialWithTimeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Quit()
	if err := c.Login("anonymous", "x"); err == nil {
		t.Errorf("Login(anonymous) with anonymous=false = nil, want an error")
	}
	if err := c.Login("ftptest", "password"); err != nil {
		t.Errorf("Login(ftptest) = %v", err)
	}
}

func TestFTPOptions(t *testing.T) {
	k, _ := New().Kind("ftp")
	defaults, err := k.ResolveOptions(nil)
	if err != nil {
		t.Fatal(err)
	}
	o, err := ftpOptions(Env{Options: defaults})
	if err != nil {
		t.Fatalf("ftpOptions(defaults) = %v", err)
	}
	if !o.Anonymous || o.Users["ftptest"] != "password" || len(o.PassivePorts) != 0 || o.PassiveHost != "" || o.Root != "" {
		t.Errorf("ftpOptions(defaults) = %+v", o)
	}

	given, _ := k.ResolveOptions(map[string]string{
		"pasv-ports": "30000-30002,30009", "pasv-host": "127.0.0.1", "public-clients": "172.17.0.0/16, 10.1.2.3",
	})
	o, err = ftpOptions(Env{Options: given})
	if err != nil {
		t.Fatalf("ftpOptions() = %v", err)
	}
	if want := []int{30000, 30001, 30002, 30009}; !slices.Equal(o.PassivePorts, want) {
		t.Errorf("PassivePorts = %v, want %v", o.PassivePorts, want)
	}
	wantClients := []netip.Prefix{netip.MustParsePrefix("172.17.0.0/16"), netip.MustParsePrefix("10.1.2.3/32")}
	if !slices.Equal(o.PublicClients, wantClients) || o.PassiveHost != "127.0.0.1" {
		t.Errorf("PublicClients, PassiveHost = %v, %q; want %v, 127.0.0.1", o.PublicClients, o.PassiveHost, wantClients)
	}

	for _, bad := range []map[string]string{
		{"anonymous": "perhaps"},
		{"pasv-ports": "30010-30000"},
		{"public-clients": "not-a-network"},
	} {
		given, _ := k.ResolveOptions(bad)
		if _, err := ftpOptions(Env{Options: given}); err == nil {
			t.Errorf("ftpOptions(%v) = nil error, want one", bad)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	bad, _ := k.ResolveOptions(map[string]string{"pasv-host": "not-an-ip"})
	if err := k.Run(context.Background(), Env{Listeners: map[string]net.Listener{"21/tcp": l}, Options: bad, Logger: slog.New(slog.DiscardHandler)}); err == nil {
		t.Errorf("Run() with pasv-host=not-an-ip = nil, want an error")
	}
}
