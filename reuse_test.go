package testbed_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jlaffaye/ftp"

	testbed "github.com/testbed-dev/testbed"
	"github.com/testbed-dev/testbed/internal/testenv"
	"github.com/testbed-dev/testbed/project"
)

// reuseSpec writes a spec of its own to every test (an option makes its
// content hash, and so its reusable projects, unique), and takes those
// projects down when the test ends.
func reuseSpec(t *testing.T, driver string) (file, user string) {
	t.Helper()
	var rnd [4]byte
	rand.Read(rnd[:])
	user = "u" + hex.EncodeToString(rnd[:])
	file = filepath.Join(t.TempDir(), "testbed.yaml")
	text := "servers:\n  http: {builtin: http, options: {user: " + user + "}}\n  ftp: {builtin: ftp}\n  echo: {builtin: echo}\n"
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { downReused(t, driver, file) })
	return file, user
}

// downReused takes every reusable project of the spec file down.
func downReused(t *testing.T, driver, file string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := project.Open(ctx, project.Options{Driver: driver})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	s, err := project.Load(ctx, project.LoadOptions{File: file, NoFind: true, Project: "x"})
	if err != nil {
		t.Fatal(err)
	}
	key, err := c.ReuseKey(s, false)
	if err != nil {
		t.Fatal(err)
	}
	for n := 1; n <= 3; n++ {
		name := project.ReusePrefix + key + "-" + string(rune('0'+n))
		if err := c.Down(ctx, name, project.DownOptions{}); err != nil {
			t.Errorf("down %s: %v", name, err)
		}
		if driver == "docker" {
			if left := testenv.Leftovers(t, testenv.Engine(t), name); len(left) > 0 {
				t.Errorf("left of %s: %v", name, left)
			}
		}
	}
}

// TestReuseResetsState: what one test writes (an HTTP upload, an FTP
// file) is gone for the next test that reuses the testbed, which is the
// same project on the same addresses.
func TestReuseResetsState(t *testing.T) {
	for _, driver := range []string{"local", "docker"} {
		t.Run(driver, func(t *testing.T) {
			if driver == "docker" {
				testenv.Engine(t)
			}
			t.Setenv("XDG_STATE_HOME", t.TempDir())
			file, user := reuseSpec(t, driver)
			opts := []testbed.Option{testbed.WithDriver(driver), testbed.WithSpecFile(file), testbed.WithReuse()}
			var first, firstAddr string
			t.Run("writes", func(t *testing.T) {
				bed := testbed.Start(t, opts...)
				first, firstAddr = bed.Project(), bed.Addr("http", "80")
				if !strings.HasPrefix(first, project.ReusePrefix) {
					t.Errorf("project %s: want a reusable one (%s...)", first, project.ReusePrefix)
				}
				if code := httpUpload(t, bed, user, http.MethodPut, "written by the first test"); code/100 != 2 {
					t.Fatalf("PUT = %d", code)
				}
				if code := httpUpload(t, bed, user, http.MethodGet, ""); code != 200 {
					t.Fatalf("GET own upload = %d", code)
				}
				c := ftpLogin(t, bed)
				if err := c.Stor("left-behind.txt", bytes.NewBufferString("x")); err != nil {
					t.Fatal(err)
				}
			})
			t.Run("sees a fresh testbed", func(t *testing.T) {
				bed := testbed.Start(t, opts...)
				if bed.Project() != first || bed.Addr("http", "80") != firstAddr {
					t.Fatalf("project %s at %s; want %s at %s reused", bed.Project(), bed.Addr("http", "80"), first, firstAddr)
				}
				if code := httpUpload(t, bed, user, http.MethodGet, ""); code != http.StatusNotFound {
					t.Errorf("GET the first test's upload = %d, want 404", code)
				}
				c := ftpLogin(t, bed)
				if _, err := c.FileSize("left-behind.txt"); err == nil {
					t.Error("the first test's FTP file is still there")
				}
			})
		})
	}
}

// TestReuseParallelLeases: two tests at once never share a reused
// testbed; the second gets a project of its own, and later both are
// reused.
func TestReuseParallelLeases(t *testing.T) {
	for _, driver := range []string{"local", "docker"} {
		t.Run(driver, func(t *testing.T) {
			if driver == "docker" {
				testenv.Engine(t)
			}
			t.Setenv("XDG_STATE_HOME", t.TempDir())
			file, _ := reuseSpec(t, driver)
			opts := []testbed.Option{testbed.WithDriver(driver), testbed.WithSpecFile(file), testbed.WithReuse()}
			var ready sync.WaitGroup // lines the parallel users up
			round := func() []string {
				var mu sync.Mutex
				var names []string
				t.Run("round", func(t *testing.T) {
					for range 2 {
						t.Run("user", func(t *testing.T) {
							t.Parallel()
							var once sync.Once
							arrive := func() { once.Do(ready.Done) }
							defer arrive() // a failed Start lets the other go on
							bed := testbed.Start(t, opts...)
							mu.Lock()
							names = append(names, bed.Project())
							mu.Unlock()
							// Hold the lease until both have theirs.
							arrive()
							waited := make(chan struct{})
							go func() { ready.Wait(); close(waited) }()
							select {
							case <-waited:
							case <-time.After(3 * time.Minute):
								t.Fatal("the other user never got its testbed")
							}
						})
					}
				})
				return names
			}
			ready.Add(2)
			a := round()
			if len(a) != 2 || a[0] == a[1] {
				t.Fatalf("two parallel tests got %v; want two projects", a)
			}
			ready.Add(2)
			b := round()
			if len(b) != 2 || b[0] == b[1] || !(b[0] == a[0] || b[0] == a[1]) || !(b[1] == a[0] || b[1] == a[1]) {
				t.Fatalf("the second round got %v; want the first round's %v again", b, a)
			}
		})
	}
}

// httpUpload PUTs (or GETs) /upload/note.txt of the http server.
func httpUpload(t *testing.T, bed *testbed.Bed, user, method, body string) int {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+bed.Addr("http", "80")+"/upload/note.txt", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(user, "httptest")
	res, err := bed.HTTPClient().Do(req)
	if err != nil {
		t.Fatalf("%s upload: %v", method, err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// ftpLogin logs in to the ftp server, closing the session at the end.
func ftpLogin(t *testing.T, bed *testbed.Bed) *ftp.ServerConn {
	t.Helper()
	c, err := ftp.Dial(bed.Addr("ftp", "21"), ftp.DialWithTimeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Quit() })
	if err := c.Login("ftptest", "password"); err != nil {
		t.Fatal(err)
	}
	return c
}
