package ftpd

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jlaffaye/ftp"
)

func TestAnonymousListing(t *testing.T) {
	_, addr := startServer(t, Options{Anonymous: true})
	c := dial(t, addr, "anonymous", "guest@example.com")

	wantNames := []string{"10MiB.bin", "1MiB.bin", "README", "SHA256SUMS", "dir", "empty.txt", "file-not-readable.txt", "hello.txt"}
	for _, tc := range []struct {
		name string
		opts []ftp.DialOption
	}{
		{"MLSD", nil},
		{"LIST", []ftp.DialOption{ftp.DialWithDisabledMLSD(true)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, addr, "anonymous", "x", tc.opts...)
			entries, err := c.List("/pub")
			if err != nil {
				t.Fatalf("List(/pub) = %v", err)
			}
			var names []string
			for _, e := range entries {
				names = append(names, e.Name)
				switch e.Name {
				case "dir":
					if e.Type != ftp.EntryTypeFolder {
						t.Errorf("dir type = %v, want folder", e.Type)
					}
				case "hello.txt":
					if e.Type != ftp.EntryTypeFile || e.Size != uint64(len(helloText)) {
						t.Errorf("hello.txt = %v %d, want file %d", e.Type, e.Size, len(helloText))
					}
					if !e.Time.Equal(treeTime) && tc.name == "MLSD" {
						t.Errorf("hello.txt time = %v, want %v", e.Time, treeTime)
					}
				case "10MiB.bin":
					if e.Size != 10<<20 {
						t.Errorf("10MiB.bin size = %d, want %d", e.Size, 10<<20)
					}
				}
			}
			if !slices.Equal(names, wantNames) {
				t.Errorf("List(/pub) names = %v, want %v", names, wantNames)
			}
		})
	}

	names, err := c.NameList("/pub")
	if err != nil {
		t.Fatalf("NameList(/pub) = %v", err)
	}
	if !slices.Equal(names, wantNames) {
		t.Errorf("NameList(/pub) = %v, want %v", names, wantNames)
	}
	root, err := c.NameList("")
	if err != nil || !slices.Equal(root, []string{"pub", "upload"}) {
		t.Errorf("NameList() = %v, %v; want [pub upload]", root, err)
	}
	e, err := c.GetEntry("/pub/hello.txt")
	if err != nil {
		t.Fatalf("GetEntry = %v", err)
	}
	if e.Name != "/pub/hello.txt" || e.Size != uint64(len(helloText)) || !e.Time.Equal(treeTime) {
		t.Errorf("GetEntry = %+v", e)
	}
}

func TestAnonymousDownload(t *testing.T) {
	_, addr := startServer(t, Options{Anonymous: true})
	c := dial(t, addr, "ftp", "")

	files := map[string][]byte{
		"/pub/hello.txt":       []byte(helloText),
		"/pub/README":          []byte(readmeText),
		"/pub/empty.txt":       {},
		"/pub/dir/nested.txt":  []byte(nestedText),
		"/pub/1MiB.bin":        deterministicBytes("1MiB.bin", 1<<20),
		"/pub/10MiB.bin":       deterministicBytes("10MiB.bin", 10<<20),
		"pub/../pub/hello.txt": []byte(helloText),
	}
	for path, want := range files {
		t.Run(path, func(t *testing.T) {
			got := retr(t, c, path)
			if !bytes.Equal(got, want) {
				t.Errorf("Retr(%s) = %d bytes differing from the %d wanted", path, len(got), len(want))
			}
		})
	}

	t.Run("SHA256SUMS", func(t *testing.T) {
		sums := string(retr(t, c, "/pub/SHA256SUMS"))
		for _, name := range []string{"hello.txt", "1MiB.bin", "10MiB.bin"} {
			sum := sha256.Sum256(retr(t, c, "/pub/"+name))
			line := hex.EncodeToString(sum[:]) + "  " + name + "\n"
			if !strings.Contains(sums, line) {
				t.Errorf("SHA256SUMS lacks %q", line)
			}
		}
	})

	t.Run("unreadable", func(t *testing.T) {
		_, err := c.Retr(unreadablePath)
		if replyCode(err) != 550 {
			t.Fatalf("Retr(%s) = %v, want 550", unreadablePath, err)
		}
		if got := retr(t, c, "/pub/hello.txt"); string(got) != helloText {
			t.Errorf("Retr after 550 = %q", got)
		}
	})

	t.Run("directory", func(t *testing.T) {
		if _, err := c.Retr("/pub/dir"); replyCode(err) != 550 {
			t.Errorf("Retr(/pub/dir) = %v, want 550", err)
		}
	})
}

func TestAnonymousUpload(t *testing.T) {
	srv, addr := startServer(t, Options{Anonymous: true})
	c := dial(t, addr, "anonymous", "x")

	data := deterministicBytes("upload", 300<<10)
	if err := c.Stor("/upload/up.bin", bytes.NewReader(data)); err != nil {
		t.Fatalf("Stor(/upload/up.bin) = %v", err)
	}
	if got := retr(t, c, "/upload/up.bin"); !bytes.Equal(got, data) {
		t.Errorf("Retr(/upload/up.bin) = %d bytes, want the %d stored", len(got), len(data))
	}
	onDisk, err := os.ReadFile(filepath.Join(srv.Root(), anonDir, "upload", "up.bin"))
	if err != nil || !bytes.Equal(onDisk, data) {
		t.Errorf("file on disk = %d bytes, %v; want %d", len(onDisk), err, len(data))
	}
	if err := c.Append("/upload/up.bin", strings.NewReader("tail")); err != nil {
		t.Fatalf("Append = %v", err)
	}
	if got := retr(t, c, "/upload/up.bin"); !bytes.Equal(got, append(data, "tail"...)) {
		t.Errorf("after Append: %d bytes, want %d", len(got), len(data)+4)
	}
	if err := c.MakeDir("/upload/sub"); err != nil {
		t.Errorf("MakeDir(/upload/sub) = %v", err)
	}
	if err := c.Stor("/upload/sub/x.txt", strings.NewReader("x")); err != nil {
		t.Errorf("Stor(/upload/sub/x.txt) = %v", err)
	}

	refused := []struct {
		name string
		do   func() error
		want int
	}{
		{"STOR /pub", func() error { return c.Stor("/pub/x.txt", strings.NewReader("x")) }, 553},
		{"STOR /", func() error { return c.Stor("/x.txt", strings.NewReader("x")) }, 553},
		{"STOR over /pub file", func() error { return c.Stor("/pub/hello.txt", strings.NewReader("x")) }, 553},
		{"APPE /pub", func() error { return c.Append("/pub/hello.txt", strings.NewReader("x")) }, 553},
		{"MKD /pub", func() error { return c.MakeDir("/pub/new") }, 550},
		{"DELE /pub", func() error { return c.Delete("/pub/hello.txt") }, 550},
		{"DELE /upload", func() error { return c.Delete("/upload/up.bin") }, 550},
		{"RMD /pub/dir", func() error { return c.RemoveDir("/pub/dir") }, 550},
		{"RNFR /upload", func() error { return c.Rename("/upload/up.bin", "/upload/moved.bin") }, 550},
		{"MFMT /pub", func() error { return c.SetTime("/pub/hello.txt", time.Now()) }, 550},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.do(); replyCode(err) != tc.want {
				t.Errorf("%s = %v, want %d", tc.name, err, tc.want)
			}
		})
	}
	if got := retr(t, c, "/pub/hello.txt"); string(got) != helloText {
		t.Errorf("/pub/hello.txt changed to %q", got)
	}
}

func TestAnonymousDisabled(t *testing.T) {
	_, addr := startServer(t, Options{})
	c, err := ftp.Dial(addr, ftp.DialWithTimeout(testTimeout))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Quit()
	if err := c.Login("anonymous", "x"); replyCode(err) != 530 {
		t.Errorf("Login(anonymous) = %v, want 530", err)
	}
}

func TestUserLogin(t *testing.T) {
	srv, addr := startServer(t, Options{Anonymous: true})

	for _, tc := range []struct{ user, pass string }{
		{"ftptest", "wrong"},
		{"ftptest", ""},
		{"nobody", "password"},
	} {
		c, err := ftp.Dial(addr, ftp.DialWithTimeout(testTimeout))
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Login(tc.user, tc.pass); replyCode(err) != 530 {
			t.Errorf("Login(%s, %s) = %v, want 530", tc.user, tc.pass, err)
		}
		c.Quit()
	}

	c := dial(t, addr, DefaultUser, DefaultPassword)
	if dir, err := c.CurrentDir(); err != nil || dir != "/" {
		t.Errorf("CurrentDir() = %q, %v; want /", dir, err)
	}
	home := filepath.Join(srv.Root(), homeDir, DefaultUser)

	steps := []struct {
		name string
		do   func() error
	}{
		{"MakeDir", func() error { return c.MakeDir("docs") }},
		{"ChangeDir", func() error { return c.ChangeDir("docs") }},
		{"Stor", func() error { return c.Stor("a.txt", strings.NewReader("hello a\n")) }},
		{"Rename", func() error { return c.Rename("a.txt", "/docs/b.txt") }},
		{"ChangeDirToParent", func() error { return c.ChangeDirToParent() }},
		{"SetTime", func() error { return c.SetTime("docs/b.txt", treeTime) }},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s = %v", st.name, err)
		}
	}
	if got, err := os.ReadFile(filepath.Join(home, "docs", "b.txt")); err != nil || string(got) != "hello a\n" {
		t.Errorf("home/docs/b.txt = %q, %v", got, err)
	}
	if n, err := c.FileSize("/docs/b.txt"); err != nil || n != 8 {
		t.Errorf("FileSize = %d, %v; want 8", n, err)
	}
	if tm, err := c.GetTime("/docs/b.txt"); err != nil || !tm.Equal(treeTime) {
		t.Errorf("GetTime = %v, %v; want %v", tm, err, treeTime)
	}
	if _, err := c.FileSize("/docs"); replyCode(err) != 550 {
		t.Errorf("FileSize(dir) = %v, want 550", err)
	}
	if _, err := c.FileSize("/missing"); replyCode(err) != 550 {
		t.Errorf("FileSize(missing) = %v, want 550", err)
	}
	if err := c.RemoveDir("/docs"); replyCode(err) != 550 {
		t.Errorf("RemoveDir(non-empty) = %v, want 550", err)
	}
	if err := c.Delete("/docs/b.txt"); err != nil {
		t.Errorf("Delete = %v", err)
	}
	if err := c.Delete("/docs/b.txt"); replyCode(err) != 550 {
		t.Errorf("Delete(again) = %v, want 550", err)
	}
	if err := c.RemoveDir("/docs"); err != nil {
		t.Errorf("RemoveDir = %v", err)
	}
	if entries, err := c.List("/"); err != nil || len(entries) != 0 {
		t.Errorf("List(/) = %v, %v; want empty home", entries, err)
	}
	if err := c.ChangeDir("/nope"); replyCode(err) != 550 {
		t.Errorf("ChangeDir(/nope) = %v, want 550", err)
	}
}

func TestConfinement(t *testing.T) {
	srv, addr := startServer(t, Options{Anonymous: true})
	home := filepath.Join(srv.Root(), homeDir, DefaultUser)
	if err := os.Symlink(filepath.Join(srv.Root(), anonDir, "pub"), filepath.Join(home, "escape")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(home, "passwd")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(home, "mine.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("mine.txt", filepath.Join(home, "link.txt")); err != nil {
		t.Fatal(err)
	}

	c := dial(t, addr, DefaultUser, DefaultPassword)
	for _, p := range []string{"../anon/pub/hello.txt", "/../../anon/pub/hello.txt", "escape/hello.txt", "passwd", "../../../../etc/passwd"} {
		if _, err := c.Retr(p); replyCode(err) != 550 {
			t.Errorf("Retr(%s) = %v, want 550", p, err)
		}
	}
	if err := c.ChangeDir("../.."); err != nil {
		t.Errorf("ChangeDir(../..) = %v", err)
	}
	if dir, _ := c.CurrentDir(); dir != "/" {
		t.Errorf("CurrentDir() after ../.. = %q, want /", dir)
	}
	if err := c.ChangeDir("escape"); replyCode(err) != 550 {
		t.Errorf("ChangeDir(escape) = %v, want 550", err)
	}
	if got := retr(t, c, "link.txt"); string(got) != "mine" {
		t.Errorf("Retr(link.txt) = %q, want the link's target inside the home", got)
	}
	if err := c.Stor("escape/new.txt", strings.NewReader("x")); replyCode(err) != 553 {
		t.Errorf("Stor(escape/new.txt) = %v, want 553", err)
	}
	if _, err := os.Stat(filepath.Join(srv.Root(), anonDir, "pub", "new.txt")); err == nil {
		t.Errorf("Stor through a symbolic link wrote outside the home")
	}

	anon := dial(t, addr, "anonymous", "x")
	if err := anon.ChangeDir("/../home/" + DefaultUser); replyCode(err) != 550 {
		t.Errorf("anonymous ChangeDir(home) = %v, want 550", err)
	}
}

func TestResume(t *testing.T) {
	srv, addr := startServer(t, Options{Anonymous: true})
	c := dial(t, addr, DefaultUser, DefaultPassword)
	anon := dial(t, addr, "anonymous", "x")
	want := deterministicBytes("1MiB.bin", 1<<20)

	for _, off := range []int{0, 1, 1000, 1<<20 - 1, 1 << 20} {
		t.Run(fmt.Sprintf("RetrFrom %d", off), func(t *testing.T) {
			r, err := anon.RetrFrom("/pub/1MiB.bin", uint64(off))
			if err != nil {
				t.Fatalf("RetrFrom = %v", err)
			}
			got := new(bytes.Buffer)
			if _, err := got.ReadFrom(r); err != nil {
				t.Fatal(err)
			}
			if err := r.Close(); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want[off:]) {
				t.Errorf("RetrFrom(%d) = %d bytes, want %d matching", off, got.Len(), len(want)-off)
			}
		})
	}

	t.Run("StorFrom", func(t *testing.T) {
		half := 400 << 10
		// A partial upload with a stale tail, then the rest from the offset.
		if err := c.Stor("big.bin", bytes.NewReader(append(want[:half:half], "stale tail"...))); err != nil {
			t.Fatal(err)
		}
		if err := c.StorFrom("big.bin", bytes.NewReader(want[half:]), uint64(half)); err != nil {
			t.Fatalf("StorFrom = %v", err)
		}
		got, err := os.ReadFile(filepath.Join(srv.Root(), homeDir, DefaultUser, "big.bin"))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("resumed upload = %d bytes, %v; want the %d of the file", len(got), err, len(want))
		}
	})
}

func TestTypeASCII(t *testing.T) {
	srv, addr := startServer(t, Options{Anonymous: true})
	c := dial(t, addr, DefaultUser, DefaultPassword)
	anon := dial(t, addr, "anonymous", "x")
	if err := anon.Type(ftp.TransferTypeASCII); err != nil {
		t.Fatal(err)
	}
	got := retr(t, anon, "/pub/README")
	want := strings.ReplaceAll(readmeText, "\n", "\r\n")
	if string(got) != want {
		t.Errorf("ASCII Retr(README) = %q, want CRLF line ends", got)
	}

	if err := c.Type(ftp.TransferTypeASCII); err != nil {
		t.Fatal(err)
	}
	in := "one\r\ntwo\r\nbare\rcr\nlf\r\nlast\r"
	if err := c.Stor("text.txt", strings.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	stored, err := os.ReadFile(filepath.Join(srv.Root(), homeDir, DefaultUser, "text.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "one\ntwo\nbare\rcr\nlf\nlast\r"; string(stored) != want {
		t.Errorf("ASCII Stor stored %q, want %q", stored, want)
	}
	if err := c.Type(ftp.TransferTypeBinary); err != nil {
		t.Fatal(err)
	}
	if got := retr(t, c, "text.txt"); !bytes.Equal(got, stored) {
		t.Errorf("binary Retr = %q, want %q", got, stored)
	}
}

func TestPassiveCommands(t *testing.T) {
	_, addr := startServer(t, Options{Anonymous: true})
	for _, tc := range []struct {
		name string
		opts []ftp.DialOption
	}{
		{"EPSV", nil},
		{"PASV", []ftp.DialOption{ftp.DialWithDisabledEPSV(true)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, addr, "anonymous", "x", tc.opts...)
			var debug bytes.Buffer
			c2 := dial(t, addr, "anonymous", "x", append(tc.opts, ftp.DialWithDebugOutput(&debug))...)
			if got := retr(t, c, "/pub/hello.txt"); string(got) != helloText {
				t.Errorf("Retr = %q", got)
			}
			if got := retr(t, c2, "/pub/1MiB.bin"); len(got) != 1<<20 {
				t.Errorf("Retr = %d bytes", len(got))
			}
			if !strings.Contains(debug.String(), tc.name+"\r\n") {
				t.Errorf("client did not send %s:\n%s", tc.name, debug.String())
			}
		})
	}
}

func TestExplicitTLS(t *testing.T) {
	pki := newTestPKI(t)
	srv, addr := startServer(t, Options{Anonymous: true, TLS: pki.server})
	var debug bytes.Buffer
	c := dial(t, addr, DefaultUser, DefaultPassword, ftp.DialWithExplicitTLS(pki.client), ftp.DialWithDebugOutput(&debug))
	data := deterministicBytes("tls", 200<<10)
	if err := c.Stor("tls.bin", bytes.NewReader(data)); err != nil {
		t.Fatalf("Stor over TLS = %v", err)
	}
	if err := c.Stor("empty.bin", bytes.NewReader(nil)); err != nil {
		t.Fatalf("Stor of an empty file over TLS = %v", err)
	}
	if got := retr(t, c, "tls.bin"); !bytes.Equal(got, data) {
		t.Errorf("Retr over TLS = %d bytes, want %d", len(got), len(data))
	}
	if got := retr(t, c, "empty.bin"); len(got) != 0 {
		t.Errorf("Retr(empty) over TLS = %d bytes", len(got))
	}
	if entries, err := c.List("/"); err != nil || len(entries) != 2 {
		t.Errorf("List over TLS = %v, %v; want 2 entries", entries, err)
	}
	if onDisk, _ := os.ReadFile(filepath.Join(srv.Root(), homeDir, DefaultUser, "tls.bin")); !bytes.Equal(onDisk, data) {
		t.Errorf("uploaded file differs on disk")
	}
	if !strings.Contains(debug.String(), "PROT P") {
		t.Errorf("client did not ask for PROT P: %s", debug.String())
	}

	t.Run("untrusted", func(t *testing.T) {
		// The client's handshake runs on its first command after AUTH TLS.
		untrusted := &tls.Config{ServerName: "127.0.0.1", RootCAs: x509.NewCertPool()}
		c, err := ftp.Dial(addr, ftp.DialWithTimeout(testTimeout), ftp.DialWithExplicitTLS(untrusted))
		if err == nil {
			err = c.Login(DefaultUser, DefaultPassword)
			c.Quit()
		}
		if err == nil {
			t.Errorf("Login() over TLS without trusting the CA = nil, want an error")
		}
	})
}

func TestConcurrentSessions(t *testing.T) {
	_, addr := startServer(t, Options{Anonymous: true})
	want := deterministicBytes("1MiB.bin", 1<<20)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := ftp.Dial(addr, ftp.DialWithTimeout(testTimeout))
			if err != nil {
				errs <- err
				return
			}
			defer c.Quit()
			if err := c.Login("anonymous", "x"); err != nil {
				errs <- err
				return
			}
			for range 3 {
				r, err := c.Retr("/pub/1MiB.bin")
				if err != nil {
					errs <- err
					return
				}
				var got bytes.Buffer
				_, err = got.ReadFrom(r)
				r.Close()
				if err != nil || !bytes.Equal(got.Bytes(), want) {
					errs <- fmt.Errorf("session %d: %d bytes, %v", i, got.Len(), err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
