package ftpd

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jlaffaye/ftp"
	"github.com/testbed-dev/testbed/servers/testca"
)

// testTimeout bounds every network wait of a test.
const testTimeout = 10 * time.Second

// startServer serves opts on 127.0.0.1:0 until the test ends and returns the
// server and its address.
func startServer(t testing.TB, opts Options) (*Server, string) {
	t.Helper()
	srv, err := New(opts)
	if err != nil {
		t.Fatalf("New() = %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		t.Fatalf("listen: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
		if err := <-done; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve() = %v, want ErrServerClosed", err)
		}
	})
	return srv, ln.Addr().String()
}

// dial connects a jlaffaye client and logs in; it is closed when the test ends.
func dial(t testing.TB, addr, user, pass string, opts ...ftp.DialOption) *ftp.ServerConn {
	t.Helper()
	opts = append([]ftp.DialOption{ftp.DialWithTimeout(testTimeout)}, opts...)
	c, err := ftp.Dial(addr, opts...)
	if err != nil {
		t.Fatalf("Dial(%s) = %v", addr, err)
	}
	t.Cleanup(func() { c.Quit() })
	if err := c.Login(user, pass); err != nil {
		t.Fatalf("Login(%s) = %v", user, err)
	}
	return c
}

// retr downloads path completely.
func retr(t testing.TB, c *ftp.ServerConn, path string) []byte {
	t.Helper()
	r, err := c.Retr(path)
	if err != nil {
		t.Fatalf("Retr(%s) = %v", path, err)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("Retr(%s) read = %v", path, err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("Retr(%s) close = %v", path, err)
	}
	return data
}

// replyCode is the FTP code of a client error, or 0.
func replyCode(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	return 0
}

// rawClient speaks the control protocol line by line.
type rawClient struct {
	t    testing.TB
	conn net.Conn
	tp   *textproto.Reader
}

// dialRaw connects and reads the greeting.
func dialRaw(t testing.TB, addr string) *rawClient {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, testTimeout)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { conn.Close() })
	c := &rawClient{t: t, conn: conn, tp: textproto.NewReader(bufio.NewReader(conn))}
	if code, msg := c.read(); code != 220 {
		t.Fatalf("greeting = %d %s, want 220", code, msg)
	}
	return c
}

// read reads one (possibly multi-line) reply.
func (c *rawClient) read() (int, string) {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(testTimeout))
	code, msg, err := c.tp.ReadResponse(0)
	if err != nil && code == 0 {
		c.t.Fatalf("read reply: %v", err)
	}
	return code, msg
}

// send writes one line.
func (c *rawClient) send(line string) {
	c.t.Helper()
	c.conn.SetWriteDeadline(time.Now().Add(testTimeout))
	if _, err := io.WriteString(c.conn, line+"\r\n"); err != nil {
		c.t.Fatalf("send %q: %v", line, err)
	}
}

// cmd sends line and reads the reply.
func (c *rawClient) cmd(line string) (int, string) {
	c.t.Helper()
	c.send(line)
	return c.read()
}

// expect sends line and fails unless the reply has code want.
func (c *rawClient) expect(line string, want int) string {
	c.t.Helper()
	code, msg := c.cmd(line)
	if code != want {
		c.t.Fatalf("%s = %d %s, want %d", line, code, msg, want)
	}
	return msg
}

// login logs the raw client in.
func (c *rawClient) login(user, pass string) {
	c.t.Helper()
	c.expect("USER "+user, 331)
	c.expect("PASS "+pass, 230)
}

// pasvAddr parses a 227 reply into host and port.
func pasvAddr(t testing.TB, msg string) (string, int) {
	t.Helper()
	start, end := strings.Index(msg, "("), strings.Index(msg, ")")
	if start < 0 || end < start {
		t.Fatalf("PASV reply %q has no (h1,...,p2)", msg)
	}
	f := strings.Split(msg[start+1:end], ",")
	if len(f) != 6 {
		t.Fatalf("PASV reply %q: want 6 numbers", msg)
	}
	n := make([]int, 6)
	for i, s := range f {
		v, err := strconv.Atoi(s)
		if err != nil {
			t.Fatalf("PASV reply %q: %v", msg, err)
		}
		n[i] = v
	}
	return fmt.Sprintf("%d.%d.%d.%d", n[0], n[1], n[2], n[3]), n[4]*256 + n[5]
}

// epsvPort parses a 229 reply.
func epsvPort(t testing.TB, msg string) int {
	t.Helper()
	start, end := strings.Index(msg, "(|||"), strings.LastIndex(msg, "|)")
	if start < 0 || end < start {
		t.Fatalf("EPSV reply %q has no (|||port|)", msg)
	}
	p, err := strconv.Atoi(msg[start+4 : end])
	if err != nil {
		t.Fatalf("EPSV reply %q: %v", msg, err)
	}
	return p
}

// testPKI is a CA and a server certificate for 127.0.0.1 and localhost.
type testPKI struct {
	server *tls.Config // the server's certificate
	client *tls.Config // trusts the CA
	caFile string      // the CA as PEM, for curl
}

func newTestPKI(t testing.TB) testPKI {
	t.Helper()
	ca, err := testca.New("ftpd test CA")
	if err != nil {
		t.Fatal(err)
	}
	server, err := ca.TLSConfig("localhost", "127.0.0.1", "::1")
	if err != nil {
		t.Fatal(err)
	}
	caFile, err := ca.WriteCert(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return testPKI{
		server: server,
		client: &tls.Config{RootCAs: ca.Pool(), ServerName: "127.0.0.1"},
		caFile: caFile,
	}
}
