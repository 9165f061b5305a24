package e2e

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/testbed-dev/testbed/internal/testenv"
)

// upload PUTs or GETs /upload/note.txt on the http server at addr.
func upload(t *testing.T, addr, method, body string) int {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+addr+"/upload/note.txt", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth("httptest", "httptest")
	res, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, req.URL, err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// fetch GETs a path of an image server.
func fetch(t *testing.T, url string) string {
	t.Helper()
	res, err := (&http.Client{Timeout: 10 * time.Second}).Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return fmt.Sprintf("%d %s", res.StatusCode, strings.TrimSpace(string(b)))
}

// up --reuse on a project that is up: the built-in server forgets an
// upload (reset through its control channel: on the container's address
// when testbed forwards, by exec when the engine publishes), keeps its
// address; an image server with the default reset (recreate) loses the file
// it wrote; one with reset: none keeps it.
func TestUpReuseResets(t *testing.T) {
	for _, mode := range []string{"forward", "publish"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			b := newBed(t)
			img := testenv.Busybox(t, b.cli)
			// Each image server serves /w and writes /w/x when asked by
			// a file it creates at start: "made" the first time only, if
			// its files survive.
			server := `{image: %q, command: [sh, -c, "mkdir -p /w; [ -e /w/x ] && echo kept > /w/x || echo made > /w/x; httpd -f -p 8080 -h /w"], ports: [8080]%s}`
			spec := b.write("testbed.yaml", fmt.Sprintf("servers:\n  http: {builtin: http}\n  fresh: "+server+"\n  stays: "+server+"\n",
				img, "", img, ", reset: none"), 0o644)
			var extra []string
			if mode == "publish" {
				extra = []string{"--publish"}
			}
			b.run(append([]string{"-f", spec, "up"}, extra...)...).must(t, "up")
			m := b.manifest()
			httpAddr := m.Servers["http"].Ports["80/tcp"]
			if code := upload(t, httpAddr, http.MethodPut, "before"); code/100 != 2 {
				t.Fatalf("PUT = %d", code)
			}
			for _, s := range []string{"fresh", "stays"} {
				if got := fetch(t, "http://"+m.Servers[s].Ports["8080/tcp"]+"/x"); got != "200 made" {
					t.Fatalf("%s before the reuse: %q, want 200 made", s, got)
				}
			}

			r := b.run(append([]string{"-f", spec, "up", "--reuse"}, extra...)...).must(t, "up --reuse")
			if !strings.Contains(r.err, "reset http") || !strings.Contains(r.err, "made fresh anew") {
				t.Errorf("up --reuse said:\n%s\nwant http reset and fresh made anew", r.err)
			}
			m = b.manifest()
			if m.Servers["http"].Ports["80/tcp"] != httpAddr {
				t.Errorf("http moved from %s to %s; a reset keeps the address", httpAddr, m.Servers["http"].Ports["80/tcp"])
			}
			if code := upload(t, httpAddr, http.MethodGet, ""); code != http.StatusNotFound {
				t.Errorf("GET the upload after up --reuse = %d, want 404", code)
			}
			if got := fetch(t, "http://"+m.Servers["fresh"].Ports["8080/tcp"]+"/x"); got != "200 made" {
				t.Errorf("fresh (reset: recreate) after the reuse: %q, want a new container's 200 made", got)
			}
			if got := fetch(t, "http://"+m.Servers["stays"].Ports["8080/tcp"]+"/x"); got != "200 made" {
				t.Errorf("stays (reset: none) after the reuse: %q, want the same, untouched 200 made", got)
			}
			// A plain up still leaves everything as it is.
			if code := upload(t, httpAddr, http.MethodPut, "again"); code/100 != 2 {
				t.Fatalf("PUT = %d", code)
			}
			r = b.run(append([]string{"-f", spec, "up"}, extra...)...).must(t, "up")
			if !strings.Contains(r.err, "nothing to do") {
				t.Errorf("up without --reuse said:\n%s\nwant nothing to do", r.err)
			}
			if code := upload(t, httpAddr, http.MethodGet, ""); code != 200 {
				t.Errorf("GET the upload after a plain up = %d, want 200 (kept)", code)
			}
			// How a remote engine's server is reset: by exec, inside.
			b.run("exec", "http", "--", "/testbed", "control-reset").must(t, "exec control-reset")
			if code := upload(t, httpAddr, http.MethodGet, ""); code != http.StatusNotFound {
				t.Errorf("GET the upload after control-reset by exec = %d, want 404", code)
			}
		})
	}
}

// run --reuse leases a reusable project, leaves it up for the next run,
// which gets it reset; down --reused takes the spec's reusable projects down.
func TestRunReuse(t *testing.T) {
	b := newBed(t)
	spec := b.write("testbed.yaml", "domain: "+b.project+".test\nservers:\n  http: {builtin: http}\n", 0o644)
	// No -p: run --reuse names the project itself.
	runReuse := func(argv ...string) result {
		t.Helper()
		return b.runNoProject(append([]string{"-f", spec, "run", "--reuse", "--print=false", "--"}, argv...)...)
	}
	first := runReuse("sh", "-c", `echo "$TESTBED_PROJECT $TESTBED_HTTP_80"; curl -sf -o /dev/null -u httptest:httptest -T /etc/hostname "http://$TESTBED_HTTP_80/upload/note.txt"`)
	if first.code != 0 {
		t.Fatalf("first run: exit %d\n%s\n%s", first.code, first.out, first.err)
	}
	name, addr, _ := strings.Cut(strings.TrimSpace(first.out), " ")
	if !strings.HasPrefix(name, "reuse-") {
		t.Fatalf("run --reuse used project %q, want reuse-*", name)
	}
	t.Cleanup(func() { b.runNoProject("-p", name, "down") })
	second := runReuse("sh", "-c", `echo "$TESTBED_PROJECT $TESTBED_HTTP_80"; curl -s -o /dev/null -w '%{http_code}' -u httptest:httptest "http://$TESTBED_HTTP_80/upload/note.txt"`)
	if second.code != 0 {
		t.Fatalf("second run: exit %d\n%s\n%s", second.code, second.out, second.err)
	}
	lines := strings.SplitN(strings.TrimSpace(second.out), "\n", 2)
	if len(lines) != 2 || lines[0] != name+" "+addr || lines[1] != "404" {
		t.Fatalf("second run printed %q; want %q then 404 (the same project, reset)", second.out, name+" "+addr)
	}
	down := b.runNoProject("-f", spec, "down", "--reused").must(t, "down --reused")
	if !strings.Contains(down.err, name) {
		t.Errorf("down --reused said %q, want %s taken down", down.err, name)
	}
	if left := testenv.Leftovers(t, b.cli, name); len(left) > 0 {
		t.Errorf("after down --reused, left: %v", left)
	}
}
