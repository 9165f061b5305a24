package ftpd

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jlaffaye/ftp"
)

// dataConn sets up a passive data connection with EPSV and dials it.
func (c *rawClient) dataConn() net.Conn {
	c.t.Helper()
	port := epsvPort(c.t, c.expect("EPSV", 229))
	data, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), testTimeout)
	if err != nil {
		c.t.Fatalf("dial the data port: %v", err)
	}
	data.SetDeadline(time.Now().Add(testTimeout))
	return data
}

// download runs a transfer command that sends data, which it returns; it
// fails the test unless the replies are 150 and then 226.
func (c *rawClient) download(line string) string {
	c.t.Helper()
	data := c.dataConn()
	c.expect(line, 150)
	got, err := io.ReadAll(data)
	data.Close()
	if err != nil {
		c.t.Fatalf("%s: read data: %v", line, err)
	}
	if code, msg := c.read(); code != 226 {
		c.t.Fatalf("%s end = %d %s, want 226", line, code, msg)
	}
	return string(got)
}

// upload runs a transfer command that receives body and returns the text of
// its 150 reply; it fails the test unless the replies are 150 and then 226.
func (c *rawClient) upload(line, body string) string {
	c.t.Helper()
	data := c.dataConn()
	msg := c.expect(line, 150)
	if _, err := io.WriteString(data, body); err != nil {
		c.t.Fatalf("%s: write data: %v", line, err)
	}
	data.Close()
	if code, end := c.read(); code != 226 {
		c.t.Fatalf("%s end = %d %s, want 226", line, code, end)
	}
	return msg
}

func TestListGlob(t *testing.T) {
	_, addr := startServer(t, Options{Anonymous: true})
	c := dial(t, addr, "anonymous", "x")

	t.Run("NLST", func(t *testing.T) {
		for _, tc := range []struct {
			cwd, arg string
			want     []string
		}{
			{"/", "/pub/*.txt", []string{"/pub/empty.txt", "/pub/file-not-readable.txt", "/pub/hello.txt"}},
			{"/", "pub/*.bin", []string{"pub/10MiB.bin", "pub/1MiB.bin"}},
			{"/", "pub/dir/*", []string{"pub/dir/nested.txt"}},
			{"/pub", "*.txt", []string{"empty.txt", "file-not-readable.txt", "hello.txt"}},
			{"/pub", "?MiB.bin", []string{"1MiB.bin"}},
			{"/pub", "[a-h]*", []string{"dir", "empty.txt", "file-not-readable.txt", "hello.txt"}},
			{"/pub", "-la *.bin", []string{"10MiB.bin", "1MiB.bin"}},
			{"/pub", "-l -a ../pub/R*", []string{"../pub/README"}},
			{"/pub", "*.none", nil},                      // no match: an empty listing with 226
			{"/pub", "hello.txt", []string{"hello.txt"}}, // no glob: as before
			{"/pub", "dir", []string{"nested.txt"}},
		} {
			if err := c.ChangeDir(tc.cwd); err != nil {
				t.Fatalf("ChangeDir(%s) = %v", tc.cwd, err)
			}
			got, err := c.NameList(tc.arg)
			if err != nil || !slices.Equal(got, tc.want) {
				t.Errorf("in %s, NameList(%q) = %q, %v; want %q", tc.cwd, tc.arg, got, err, tc.want)
			}
		}
	})

	t.Run("LIST", func(t *testing.T) {
		c := dial(t, addr, "anonymous", "x", ftp.DialWithDisabledMLSD(true))
		for _, tc := range []struct {
			arg  string
			want map[string]uint64 // names and sizes
		}{
			{"/pub/*.bin", map[string]uint64{"10MiB.bin": 10 << 20, "1MiB.bin": 1 << 20}},
			{"-l /pub/h*", map[string]uint64{"hello.txt": uint64(len(helloText))}},
			{"/pub/*.none", map[string]uint64{}},
		} {
			entries, err := c.List(tc.arg)
			if err != nil {
				t.Errorf("List(%q) = %v", tc.arg, err)
				continue
			}
			got := map[string]uint64{}
			for _, e := range entries {
				got[e.Name] = e.Size // LIST names carry no directory, as vsftpd's
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("List(%q) = %v, want %v", tc.arg, got, tc.want)
			}
		}
	})

	t.Run("refused", func(t *testing.T) {
		for _, arg := range []string{"/nope/*.txt", "/pub/hello.txt/*", "/pub/[", "*/nested.txt"} {
			if _, err := c.NameList(arg); replyCode(err) != 550 {
				t.Errorf("NameList(%q) = %v, want 550", arg, err)
			}
		}
	})

	t.Run("raw", func(t *testing.T) {
		r := dialRaw(t, addr)
		r.login("anonymous", "x")
		if got := r.download("NLST /pub/*.none"); got != "" {
			t.Errorf("NLST of a glob matching nothing sent %q, want nothing", got)
		}
		if got, want := r.download("NLST pub/*MiB.bin"), "pub/10MiB.bin\r\npub/1MiB.bin\r\n"; got != want {
			t.Errorf("NLST pub/*MiB.bin = %q, want %q", got, want)
		}
		got := r.download("LIST -la /pub/*.txt")
		lines := strings.Split(strings.TrimSuffix(got, "\r\n"), "\r\n")
		if len(lines) != 3 || !strings.HasSuffix(lines[0], " empty.txt") || !strings.HasSuffix(lines[2], " hello.txt") {
			t.Errorf("LIST -la /pub/*.txt = %q, want the 3 .txt files", got)
		}
		// The unreadable file shows no permission bits, through a glob too.
		if !strings.HasPrefix(lines[1], "---------- ") {
			t.Errorf("LIST line of the unreadable file = %q", lines[1])
		}
		msg := r.expect("STAT /pub/*.bin", 213)
		if !strings.Contains(msg, " 10MiB.bin\n") || !strings.Contains(msg, " 1MiB.bin\n") || strings.Contains(msg, "hello.txt") {
			t.Errorf("STAT /pub/*.bin = %q, want the two .bin files", msg)
		}
	})
}

func TestSTOU(t *testing.T) {
	srv, addr := startServer(t, Options{Anonymous: true})
	home := filepath.Join(srv.Root(), homeDir, DefaultUser)

	t.Run("user", func(t *testing.T) {
		c := dialRaw(t, addr)
		c.login(DefaultUser, DefaultPassword)
		c.expect("TYPE I", 200)
		c.expect("MKD sub", 257)
		for _, tc := range []struct {
			arg, want string // want: the name in "FILE: name"
		}{
			{"", "STOU.1"},
			{"", "STOU.2"},
			{"report.txt", "report.txt"},
			{"report.txt", "report.txt.1"},
			{"report.txt", "report.txt.2"},
			{"sub/x", "sub/x"},
			{"/sub/x", "/sub/x.1"},
		} {
			line := strings.TrimSpace("STOU " + tc.arg)
			body := "stored by " + line + " as " + tc.want
			msg := c.upload(line, body)
			if msg != "FILE: "+tc.want {
				t.Errorf("%s: 150 %s, want 150 FILE: %s", line, msg, tc.want)
			}
			got, err := os.ReadFile(filepath.Join(home, filepath.FromSlash(strings.TrimPrefix(tc.want, "/"))))
			if err != nil || string(got) != body {
				t.Errorf("%s: file %s = %q, %v; want %q", line, tc.want, got, err, body)
			}
		}
		// RETR finds the file under the name given.
		if got := c.download("RETR STOU.2"); got != "stored by STOU as STOU.2" {
			t.Errorf("RETR STOU.2 = %q", got)
		}
	})

	t.Run("anonymous", func(t *testing.T) {
		c := dialRaw(t, addr)
		c.login("anonymous", "x")
		data := c.dataConn()
		c.expect("STOU", 553) // "/" is not writable
		data.Close()
		data = c.dataConn()
		c.expect("STOU /pub/new", 553)
		data.Close()
		if _, err := os.Stat(filepath.Join(srv.Root(), anonDir, "STOU.1")); err == nil {
			t.Errorf("a refused STOU left STOU.1 behind")
		}
		c.expect("CWD /upload", 250)
		if msg := c.upload("STOU", "anonymous upload"); msg != "FILE: STOU.1" {
			t.Errorf("STOU in /upload: 150 %s, want 150 FILE: STOU.1", msg)
		}
		got, err := os.ReadFile(filepath.Join(srv.Root(), anonDir, "upload", "STOU.1"))
		if err != nil || string(got) != "anonymous upload" {
			t.Errorf("/upload/STOU.1 = %q, %v", got, err)
		}
	})

	t.Run("no data connection", func(t *testing.T) {
		c := dialRaw(t, addr)
		c.login(DefaultUser, DefaultPassword)
		c.expect("STOU nodata", 425)
		if _, err := os.Stat(filepath.Join(home, "nodata")); err == nil {
			t.Errorf("STOU without a data connection created the file")
		}
	})

	t.Run("TYPE A", func(t *testing.T) {
		c := dialRaw(t, addr)
		c.login(DefaultUser, DefaultPassword)
		c.expect("TYPE A", 200)
		if msg := c.upload("STOU ascii.txt", "one\r\ntwo\r\n"); msg != "FILE: ascii.txt" {
			t.Errorf("STOU ascii.txt: 150 %s", msg)
		}
		got, err := os.ReadFile(filepath.Join(home, "ascii.txt"))
		if err != nil || string(got) != "one\ntwo\n" {
			t.Errorf("ascii.txt = %q, %v; want LF line ends", got, err)
		}
	})
}
