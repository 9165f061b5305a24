package ftpd

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/testbed-dev/testbed/servers/internal/servertest"
)

func TestCurl(t *testing.T) {
	pki := newTestPKI(t)
	srv, addr := startServer(t, Options{Anonymous: true, TLS: pki.server})
	base := "ftp://" + addr

	t.Run("anonymous RETR", func(t *testing.T) {
		if got := servertest.CurlOK(t, base+"/pub/hello.txt"); got != helloText {
			t.Errorf("curl hello.txt = %q, want %q", got, helloText)
		}
	})
	t.Run("PASV", func(t *testing.T) {
		if got := servertest.CurlOK(t, "--disable-epsv", base+"/pub/dir/nested.txt"); got != nestedText {
			t.Errorf("curl --disable-epsv = %q", got)
		}
	})
	t.Run("active", func(t *testing.T) {
		if got := servertest.CurlOK(t, "--ftp-port", "127.0.0.1", base+"/pub/hello.txt"); got != helloText {
			t.Errorf("curl --ftp-port = %q", got)
		}
	})
	t.Run("active EPRT off", func(t *testing.T) {
		if got := servertest.CurlOK(t, "--ftp-port", "127.0.0.1", "--disable-eprt", base+"/pub/hello.txt"); got != helloText {
			t.Errorf("curl --ftp-port --disable-eprt = %q", got)
		}
	})
	t.Run("resume", func(t *testing.T) {
		got := servertest.CurlOK(t, "-C", "7", base+"/pub/hello.txt")
		if got != helloText[7:] {
			t.Errorf("curl -C 7 = %q, want %q", got, helloText[7:])
		}
	})
	t.Run("unreadable", func(t *testing.T) {
		out, err := servertest.Curl(t, base+unreadablePath)
		if err == nil || !strings.Contains(out+err.Error(), "550") {
			t.Errorf("curl of the unreadable file = %v, %q; want a 550 failure", err, out)
		}
	})
	t.Run("upload", func(t *testing.T) {
		local := filepath.Join(t.TempDir(), "curl-up.txt")
		if err := os.WriteFile(local, []byte("uploaded by curl\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		servertest.CurlOK(t, "-T", local, base+"/upload/")
		got, err := os.ReadFile(filepath.Join(srv.Root(), anonDir, "upload", "curl-up.txt"))
		if err != nil || string(got) != "uploaded by curl\n" {
			t.Errorf("uploaded file = %q, %v", got, err)
		}
	})
	t.Run("anonymous listing", func(t *testing.T) {
		got := servertest.CurlOK(t, base+"/pub/")
		lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
		if len(lines) != 8 || !strings.HasSuffix(lines[0], " 10MiB.bin") || !strings.HasSuffix(lines[7], " hello.txt") {
			t.Errorf("curl listing of /pub/ = %q, want its 8 entries", got)
		}
	})
	for _, tc := range []struct {
		name, command, dir, want string
	}{
		{"NLST glob", "NLST *.bin", "/pub/", "10MiB.bin\n1MiB.bin\n"},
		{"NLST glob with a directory", "NLST pub/*.bin", "/", "pub/10MiB.bin\npub/1MiB.bin\n"},
		{"NLST glob matching nothing", "NLST *.none", "/pub/", ""},
		{"NLST bare options", "NLST -la", "/pub/dir/", "nested.txt\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// -X sends the command in place of LIST, after changing into dir.
			if got := servertest.CurlOK(t, "-X", tc.command, base+tc.dir); got != tc.want {
				t.Errorf("curl -X %q %s = %q, want %q", tc.command, tc.dir, got, tc.want)
			}
		})
	}
	t.Run("LIST glob with options", func(t *testing.T) {
		got := servertest.CurlOK(t, "-X", "LIST -la ?MiB.bin", base+"/pub/")
		if !strings.HasPrefix(got, "-rw-r--r--") || !strings.HasSuffix(got, " 1048576 Jan  1  2020 1MiB.bin\n") || strings.Count(got, "\n") != 1 {
			t.Errorf("curl -X \"LIST -la ?MiB.bin\" = %q, want the one line of 1MiB.bin", got)
		}
	})
	t.Run("user listing", func(t *testing.T) {
		if err := os.WriteFile(filepath.Join(srv.Root(), homeDir, DefaultUser, "mine.txt"), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		got := servertest.CurlOK(t, "-u", DefaultUser+":"+DefaultPassword, base+"/")
		if !strings.Contains(got, " mine.txt") || !strings.HasPrefix(got, "-rw-r--r--") {
			t.Errorf("curl listing of the home = %q", got)
		}
	})
	t.Run("TLS with CA", func(t *testing.T) {
		got := servertest.CurlOK(t, "--ssl-reqd", "--cacert", pki.caFile, "-u", DefaultUser+":"+DefaultPassword, base+"/mine.txt")
		if got != "x" {
			t.Errorf("curl --ssl-reqd = %q", got)
		}
	})
	t.Run("TLS insecure", func(t *testing.T) {
		if got := servertest.CurlOK(t, "--ftp-ssl-reqd", "-k", base+"/pub/hello.txt"); got != helloText {
			t.Errorf("curl --ftp-ssl-reqd -k = %q", got)
		}
	})
	t.Run("TLS upload", func(t *testing.T) {
		local := filepath.Join(t.TempDir(), "tls-up.bin")
		data := deterministicBytes("curl tls", 100<<10)
		if err := os.WriteFile(local, data, 0o644); err != nil {
			t.Fatal(err)
		}
		servertest.CurlOK(t, "--ssl-reqd", "--cacert", pki.caFile, "-u", DefaultUser+":"+DefaultPassword, "-T", local, base+"/")
		got, err := os.ReadFile(filepath.Join(srv.Root(), homeDir, DefaultUser, "tls-up.bin"))
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("TLS upload = %d bytes, %v; want %d", len(got), err, len(data))
		}
	})
}
