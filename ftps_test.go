package testbed_test

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/jlaffaye/ftp"

	testbed "github.com/testbed-dev/testbed"
	"github.com/testbed-dev/testbed/internal/testenv"
)

// TestFTPSWithTLSConfigFor runs the README's FTPS example with a real FTP
// client: explicit TLS (AUTH TLS) to the built-in ftp server, verified for
// ftp.testbed.test through Bed.TLSConfigFor, an upload to the user's home
// and the download of it, on each driver.
func TestFTPSWithTLSConfigFor(t *testing.T) {
	for _, driver := range []string{"local", "docker"} {
		t.Run(driver, func(t *testing.T) {
			if driver == "docker" {
				testenv.Engine(t)
			}
			bed := testbed.Start(t, testbed.WithDriver(driver), testbed.WithServers("ftp"))

			// The README's example, from here on.
			c, err := ftp.Dial(bed.Addr("ftp", "21"),
				ftp.DialWithExplicitTLS(bed.TLSConfigFor("ftp")), ftp.DialWithTimeout(10*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Quit()
			if err := c.Login("ftptest", "password"); err != nil {
				t.Fatal(err)
			}
			if err := c.Stor("hello.txt", bytes.NewBufferString("hello over FTPS\n")); err != nil {
				t.Fatal(err)
			}
			r, err := c.Retr("hello.txt")
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(r)
			r.Close()
			if err != nil || string(body) != "hello over FTPS\n" {
				t.Errorf("RETR hello.txt = %q, %v; want what was stored", body, err)
			}
			// The example's end.

			if got := bed.TLSConfigFor("ftp").ServerName; got != bed.Host("ftp") {
				t.Errorf("TLSConfigFor(ftp).ServerName = %q, want %q", got, bed.Host("ftp"))
			}
			// Without the name, the client refuses: why TLSConfigFor exists.
			bare, err := ftp.Dial(bed.Addr("ftp", "21"), ftp.DialWithExplicitTLS(bed.TLSConfig()), ftp.DialWithTimeout(10*time.Second))
			if err == nil {
				err = bare.Login("ftptest", "password")
				bare.Quit()
			}
			if err == nil || !strings.Contains(err.Error(), "ServerName") {
				t.Errorf("explicit TLS with no ServerName = %v; want the client to refuse for want of a ServerName", err)
			}
		})
	}
}
