package ftpd

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/netip"
	"net/textproto"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestReplyCodes(t *testing.T) {
	_, addr := startServer(t, Options{Anonymous: true})

	t.Run("before login", func(t *testing.T) {
		c := dialRaw(t, addr)
		for _, tc := range []struct {
			line string
			want int
		}{
			{"SYST", 215},
			{"NOOP", 200},
			{"HELP", 214},
			{"FEAT", 211},
			{"OPTS UTF8 ON", 200},
			{"OPTS BOGUS", 501},
			{"PWD", 530},
			{"LIST", 530},
			{"RETR /pub/hello.txt", 530},
			{"PASS x", 503},
			{"AUTH TLS", 502},
			{"PBSZ 0", 503},
			{"XYZZY", 500},
			{"12 34", 500},
			{"", 500},
			{"USER", 501},
		} {
			if code, msg := c.cmd(tc.line); code != tc.want {
				t.Errorf("%q = %d %s, want %d", tc.line, code, msg, tc.want)
			}
		}
	})

	t.Run("after login", func(t *testing.T) {
		c := dialRaw(t, addr)
		c.login("anonymous", "x")
		for _, tc := range []struct {
			line string
			want int
			text string // a substring of the reply, if any
		}{
			{"PWD", 257, `"/" is the current directory`},
			{"XPWD", 257, `"/"`},
			{"CWD pub", 250, ""},
			{"PWD", 257, `"/pub"`},
			{"CDUP", 250, ""},
			{"XCWD /pub/dir", 250, ""},
			{"XCUP", 250, ""},
			{"CWD /pub/hello.txt", 550, ""},
			{"TYPE I", 200, "Binary"},
			{"TYPE L 8", 200, "Binary"},
			{"TYPE A", 200, "ASCII"},
			{"TYPE A N", 200, "ASCII"},
			{"TYPE E", 504, ""},
			{"MODE S", 200, ""},
			{"MODE B", 504, ""},
			{"STRU F", 200, ""},
			{"STRU R", 504, ""},
			{"ALLO 1000", 202, ""},
			{"SITE CHMOD 777 x", 502, ""},
			{"STOU", 425, "PASV"}, // no data connection set up: refused before any file is made
			{"SIZE /pub/hello.txt", 213, fmt.Sprint(len(helloText))},
			{"SIZE /pub/dir", 550, ""},
			{"MDTM /pub/hello.txt", 213, "20200101120000"},
			{"MDTM /pub/nope", 550, ""},
			{"MLST /pub/hello.txt", 250, "type=file;size=14;modify=20200101120000;perm=r; /pub/hello.txt"},
			{"MLST /pub/file-not-readable.txt", 250, "perm=; /pub/file-not-readable.txt"},
			{"MLST /upload", 250, "type=dir;"},
			{"MLST /nope", 550, ""},
			{"OPTS MLST size;type;", 200, "type;size;"},
			{"MLST /pub/hello.txt", 250, "type=file;size=14; /pub/hello.txt"},
			{"STAT", 211, "Logged in as anonymous"},
			{"STAT /pub", 213, "hello.txt"},
			{"STAT /nope", 550, ""},
			{"REST x", 501, ""},
			{"REST 10", 350, ""},
			{"RNTO x", 503, ""},
			{"ABOR", 225, ""},
			{"RETR /pub/hello.txt", 425, "PASV"},
			{"PORT 1,2,3", 500, ""},
			{"PORT 127,0,0,1,0,21", 500, ""},
			{"PORT 127,0,0,2,200,0", 500, ""},
			{"EPRT |1|127.0.0.2|50000|", 500, ""},
			{"EPRT |3|::1|50000|", 522, ""},
			{"EPRT garbage", 500, ""},
			{"EPSV 2", 522, "(1)"},
			{"EPSV 9", 501, ""},
			{"MLSD /pub/hello.txt", 501, ""},
			{"LIST /nope", 550, ""},
			{"REIN", 220, ""},
			{"PWD", 530, ""},
			{"QUIT", 221, ""},
		} {
			code, msg := c.cmd(tc.line)
			if code != tc.want || !strings.Contains(msg, tc.text) {
				t.Errorf("%q = %d %q, want %d with %q", tc.line, code, msg, tc.want, tc.text)
			}
		}
	})

	t.Run("FEAT", func(t *testing.T) {
		c := dialRaw(t, addr)
		_, msg := c.cmd("FEAT")
		for _, want := range []string{" EPSV", " PASV", " MLST type*;size*;modify*;perm*;", " REST STREAM", " SIZE", " MDTM", " UTF8"} {
			if !strings.Contains(msg, want+"\n") {
				t.Errorf("FEAT lacks %q:\n%s", want, msg)
			}
		}
		if strings.Contains(msg, "AUTH TLS") {
			t.Errorf("FEAT offers AUTH TLS without a TLS config:\n%s", msg)
		}
	})

	t.Run("EPSV ALL", func(t *testing.T) {
		c := dialRaw(t, addr)
		c.login("anonymous", "x")
		c.expect("EPSV ALL", 200)
		c.expect("PASV", 500)
		c.expect("PORT 127,0,0,1,200,0", 500)
		c.expect("EPSV", 229)
	})
}

func TestPassiveAdvertisedHost(t *testing.T) {
	for _, tc := range []struct {
		name    string
		host    string
		clients []netip.Prefix
		want    string
	}{
		{"public client", "127.0.0.2", []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, "127.0.0.2"},
		{"single address", "127.0.0.2", []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}, "127.0.0.2"},
		{"other client", "127.0.0.2", []netip.Prefix{netip.MustParsePrefix("172.16.0.0/12")}, "127.0.0.1"},
		{"no public clients", "127.0.0.2", nil, "127.0.0.1"},
		{"no passive host", "", []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, "127.0.0.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, addr := startServer(t, Options{Anonymous: true, PassiveHost: tc.host, PublicClients: tc.clients})
			c := dialRaw(t, addr)
			c.login("anonymous", "x")
			c.expect("TYPE I", 200)
			host, port := pasvAddr(t, c.expect("PASV", 227))
			if host != tc.want {
				t.Errorf("PASV host = %s, want %s", host, tc.want)
			}
			// The listener is on the control connection's local address
			// whatever is advertised; EPSV names only the port.
			data, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), testTimeout)
			if err != nil {
				t.Fatalf("dial passive port: %v", err)
			}
			c.expect("RETR /pub/hello.txt", 150)
			got, _ := io.ReadAll(data)
			data.Close()
			if code, msg := c.read(); code != 226 {
				t.Errorf("RETR end = %d %s, want 226", code, msg)
			}
			if string(got) != helloText {
				t.Errorf("RETR = %q", got)
			}
		})
	}
}

// freePorts finds n ports free on 127.0.0.1.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ports []int
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
		defer ln.Close()
	}
	return ports
}

func TestPassivePorts(t *testing.T) {
	ports := freePorts(t, 2)
	_, addr := startServer(t, Options{Anonymous: true, PassivePorts: ports, PassiveWait: 300 * time.Millisecond})
	c := dialRaw(t, addr)
	c.login("anonymous", "x")
	c.expect("TYPE I", 200)
	seen := map[int]bool{}
	for i := range 4 {
		var port int
		if i%2 == 0 {
			_, port = pasvAddr(t, c.expect("PASV", 227))
		} else {
			port = epsvPort(t, c.expect("EPSV", 229))
		}
		if !slices.Contains(ports, port) {
			t.Fatalf("passive port %d not in %v", port, ports)
		}
		seen[port] = true
		data, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), testTimeout)
		if err != nil {
			t.Fatalf("dial passive port %d: %v", port, err)
		}
		c.expect("RETR /pub/1MiB.bin", 150)
		n, _ := io.Copy(io.Discard, data)
		data.Close()
		if n != 1<<20 {
			t.Errorf("RETR over port %d = %d bytes", port, n)
		}
		if code, msg := c.read(); code != 226 {
			t.Errorf("RETR end = %d %s, want 226", code, msg)
		}
	}
	if len(seen) != 2 {
		t.Errorf("ports used = %v, want both of %v", seen, ports)
	}

	// With both ports held by other sessions, a third cannot enter passive mode.
	c2, c3, c4 := dialRaw(t, addr), dialRaw(t, addr), dialRaw(t, addr)
	for _, c := range []*rawClient{c2, c3, c4} {
		c.login("anonymous", "x")
	}
	_, p2 := pasvAddr(t, c2.expect("PASV", 227))
	c3.expect("EPSV", 229)
	// With both ports held for longer than PassiveWait, a third session
	// cannot enter passive mode.
	c4.expect("PASV", 425)
	// It waits for a port instead: c2's client connects (its listener
	// closes, its port is free again) while c4's PASV waits.
	c4.send("PASV")
	data, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", p2), testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer data.Close()
	c2.send("NLST /pub")
	if code, msg := c4.read(); code != 227 {
		t.Errorf("PASV while a port comes free = %d %s, want 227", code, msg)
	}
}

func TestActiveMode(t *testing.T) {
	_, addr := startServer(t, Options{Anonymous: true})
	for _, cmdFmt := range []string{"PORT 127,0,0,1,%d,%d", "EPRT |1|127.0.0.1|%d|"} {
		t.Run(strings.Fields(cmdFmt)[0], func(t *testing.T) {
			c := dialRaw(t, addr)
			c.login("anonymous", "x")
			c.expect("TYPE I", 200)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			port := ln.Addr().(*net.TCPAddr).Port
			line := fmt.Sprintf(cmdFmt, port>>8, port&0xff)
			if strings.HasPrefix(cmdFmt, "EPRT") {
				line = fmt.Sprintf(cmdFmt, port)
			}
			c.expect(line, 200)
			c.send("RETR /pub/hello.txt")
			data, err := ln.Accept()
			if err != nil {
				t.Fatal(err)
			}
			data.SetDeadline(time.Now().Add(testTimeout))
			if code, msg := c.read(); code != 150 {
				t.Fatalf("RETR = %d %s, want 150", code, msg)
			}
			got, _ := io.ReadAll(data)
			data.Close()
			if code, msg := c.read(); code != 226 {
				t.Errorf("RETR end = %d %s, want 226", code, msg)
			}
			if string(got) != helloText {
				t.Errorf("active RETR = %q", got)
			}
		})
	}
}

func TestAbortAndStatDuringTransfer(t *testing.T) {
	srv, addr := startServer(t, Options{})
	// A sparse file far larger than the socket buffers keeps the transfer
	// running until the client acts.
	f, err := os.Create(filepath.Join(srv.Root(), homeDir, DefaultUser, "huge.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1 << 30); err != nil {
		t.Fatal(err)
	}
	f.Close()

	c := dialRaw(t, addr)
	c.login(DefaultUser, DefaultPassword)
	c.expect("TYPE I", 200)
	port := epsvPort(t, c.expect("EPSV", 229))
	data, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer data.Close()
	c.expect("RETR huge.bin", 150)
	if _, err := io.CopyN(io.Discard, data, 1<<20); err != nil {
		t.Fatal(err)
	}
	if msg := c.expect("STAT", 213); !strings.Contains(msg, "bytes transferred") {
		t.Errorf("STAT during transfer = %q", msg)
	}
	c.send("NOOP") // held until the transfer ends
	c.send("\xff\xf4\xff\xf2ABOR")
	if code, msg := c.read(); code != 426 {
		t.Errorf("RETR after ABOR = %d %s, want 426", code, msg)
	}
	if code, msg := c.read(); code != 226 {
		t.Errorf("ABOR = %d %s, want 226", code, msg)
	}
	if code, msg := c.read(); code != 200 {
		t.Errorf("NOOP sent during the transfer = %d %s, want 200", code, msg)
	}
	c.expect("PWD", 257)
}

func TestIdleTimeout(t *testing.T) {
	_, addr := startServer(t, Options{IdleTimeout: 100 * time.Millisecond})
	c := dialRaw(t, addr)
	c.send("NOOP")
	if code, _ := c.read(); code != 200 {
		t.Fatalf("NOOP = %d", code)
	}
	if code, msg := c.read(); code != 421 {
		t.Errorf("silent client got %d %s, want 421", code, msg)
	}
	c.conn.SetReadDeadline(time.Now().Add(testTimeout))
	if n, err := c.conn.Read(make([]byte, 1)); err == nil {
		t.Errorf("connection still open after 421 (read %d bytes)", n)
	}
}

func TestLoginFailuresDisconnect(t *testing.T) {
	_, addr := startServer(t, Options{})
	c := dialRaw(t, addr)
	for range maxLoginFailures {
		c.expect("USER "+DefaultUser, 331)
		c.expect("PASS wrong", 530)
	}
	c.conn.SetReadDeadline(time.Now().Add(testTimeout))
	if _, err := c.conn.Read(make([]byte, 1)); err == nil {
		t.Errorf("connection open after %d failed logins", maxLoginFailures)
	}
}

func TestLongLine(t *testing.T) {
	_, addr := startServer(t, Options{})
	c := dialRaw(t, addr)
	c.expect("NOOP "+strings.Repeat("x", 3*maxLine), 500)
	c.expect("NOOP", 200)
}

// TestAuthTLSDropsPlaintext checks that commands sent in clear text right
// behind AUTH TLS are not run inside the TLS session (STARTTLS injection).
func TestAuthTLSDropsPlaintext(t *testing.T) {
	pki := newTestPKI(t)
	_, addr := startServer(t, Options{TLS: pki.server})
	c := dialRaw(t, addr)
	if _, msg := c.cmd("FEAT"); !strings.Contains(msg, " AUTH TLS\n") {
		t.Errorf("FEAT lacks AUTH TLS:\n%s", msg)
	}
	c.send("AUTH TLS\r\nUSER " + DefaultUser)
	if code, msg := c.read(); code != 234 {
		t.Fatalf("AUTH TLS = %d %s", code, msg)
	}
	tc := tls.Client(c.conn, pki.client)
	tc.SetDeadline(time.Now().Add(testTimeout))
	if err := tc.Handshake(); err != nil {
		t.Fatalf("handshake: %v", err)
	}
	sc := &rawClient{t: t, conn: tc, tp: textproto.NewReader(bufio.NewReader(tc))}
	sc.expect("PASS "+DefaultPassword, 503)
	sc.expect("PROT P", 200)
	sc.expect("PBSZ 0", 200)
	sc.expect("AUTH TLS", 503)
	sc.login(DefaultUser, DefaultPassword)
	sc.expect("PROT X", 504)
	sc.expect("PROT C", 200)
	// PROT C: a clear-text data connection inside a TLS session.
	port := epsvPort(t, sc.expect("EPSV", 229))
	data, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	sc.expect("NLST", 150)
	got, _ := io.ReadAll(data)
	data.Close()
	if code, msg := sc.read(); code != 226 {
		t.Errorf("NLST end = %d %s, want 226", code, msg)
	}
	if len(got) != 0 {
		t.Errorf("NLST of the empty home = %q", got)
	}
}

func TestCloseEndsSessions(t *testing.T) {
	before := runtime.NumGoroutine()
	srv, err := New(Options{Anonymous: true})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	c := dialRaw(t, ln.Addr().String())
	c.login("anonymous", "x")
	c.expect("PASV", 227) // a passive listener left open

	// A download stalled by a client that does not read.
	huge := filepath.Join(srv.Root(), homeDir, DefaultUser, "huge.bin")
	if err := os.WriteFile(huge, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(huge, 1<<30); err != nil {
		t.Fatal(err)
	}
	u := dialRaw(t, ln.Addr().String())
	u.login(DefaultUser, DefaultPassword)
	u.expect("TYPE I", 200)
	port := epsvPort(t, u.expect("EPSV", 229))
	data, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer data.Close()
	u.expect("RETR huge.bin", 150)

	start := time.Now()
	if err := srv.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	if d := time.Since(start); d > DefaultDataTimeout/2 {
		t.Errorf("Close() took %v with a stalled transfer", d)
	}
	if err := <-done; err != ErrServerClosed {
		t.Errorf("Serve() = %v, want ErrServerClosed", err)
	}
	c.conn.SetReadDeadline(time.Now().Add(testTimeout))
	if _, err := c.conn.Read(make([]byte, 1)); err == nil {
		t.Errorf("session still open after Close")
	}
	if _, err := os.Stat(srv.Root()); !os.IsNotExist(err) {
		t.Errorf("temporary root %s still there after Close: %v", srv.Root(), err)
	}
	if err := srv.Serve(ln); err != ErrServerClosed {
		t.Errorf("Serve() after Close = %v, want ErrServerClosed", err)
	}
	if err := srv.Close(); err != nil {
		t.Errorf("second Close() = %v", err)
	}
	c.conn.Close()
	deadline := time.Now().Add(testTimeout)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		runtime.Gosched()
		time.Sleep(10 * time.Millisecond) // goroutines exit asynchronously; poll the count
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after Close, %d before", n, before)
	}
}

func TestNewRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"login with slash", Options{Users: map[string]string{"a/b": "x"}}},
		{"dot-dot login", Options{Users: map[string]string{"..": "x"}}},
		{"anonymous as user", Options{Users: map[string]string{"Anonymous": "x"}}},
		{"port 0", Options{PassivePorts: []int{0}}},
		{"port too big", Options{PassivePorts: []int{70000}}},
		{"host name", Options{PassiveHost: "localhost"}},
		{"IPv6 passive host", Options{PassiveHost: "::1"}},
		{"TLS without certificate", Options{TLS: &tls.Config{}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Root = t.TempDir()
			if srv, err := New(tc.opts); err == nil {
				srv.Close()
				t.Errorf("New(%+v) = nil error, want one", tc.opts)
			}
		})
	}
}

func TestRootOption(t *testing.T) {
	root := t.TempDir()
	users := map[string]string{"alice": "secret", "bob": "hunter2"}
	srv, addr := startServer(t, Options{Root: root, Users: users})
	if srv.Root() != root {
		t.Errorf("Root() = %s, want %s", srv.Root(), root)
	}
	for login, pass := range users {
		c := dial(t, addr, login, pass)
		if err := c.Stor("who.txt", strings.NewReader(login)); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(root, homeDir, login, "who.txt"))
		if err != nil || string(got) != login {
			t.Errorf("%s's upload = %q, %v", login, got, err)
		}
	}
	c := dialRaw(t, addr)
	c.expect("USER "+DefaultUser, 331)
	c.expect("PASS "+DefaultPassword, 530)
	if _, err := os.Stat(filepath.Join(root, anonDir, "pub", "hello.txt")); err != nil {
		t.Errorf("tree not laid out in Root: %v", err)
	}
}

func TestIPv6(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	srv, err := New(Options{Anonymous: true})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	defer func() {
		srv.Close()
		<-done
	}()
	c := dialRaw(t, ln.Addr().String())
	c.login("anonymous", "x")
	c.expect("TYPE I", 200)
	c.expect("PASV", 425)
	c.expect("EPSV 1", 522)
	port := epsvPort(t, c.expect("EPSV 2", 229))
	data, err := net.DialTimeout("tcp", fmt.Sprintf("[::1]:%d", port), testTimeout)
	if err != nil {
		t.Fatal(err)
	}
	c.expect("RETR /pub/hello.txt", 150)
	got, _ := io.ReadAll(data)
	data.Close()
	if code, msg := c.read(); code != 226 || string(got) != helloText {
		t.Errorf("RETR over IPv6 = %q, %d %s", got, code, msg)
	}

	dl, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Fatal(err)
	}
	defer dl.Close()
	c.expect(fmt.Sprintf("EPRT |2|::1|%d|", dl.Addr().(*net.TCPAddr).Port), 200)
	c.send("RETR /pub/hello.txt")
	active, err := dl.Accept()
	if err != nil {
		t.Fatal(err)
	}
	active.SetDeadline(time.Now().Add(testTimeout))
	c.read() // 150
	got, _ = io.ReadAll(active)
	active.Close()
	if code, msg := c.read(); code != 226 || string(got) != helloText {
		t.Errorf("active RETR over IPv6 = %q, %d %s", got, code, msg)
	}
}
