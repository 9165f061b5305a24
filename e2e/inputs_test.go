package e2e

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/testbed-dev/testbed/internal/testenv"
)

// The legacy fixture (a base config.json and three server folders with
// files, link, backend and ensure) builds from the local busybox image,
// comes up in dependency order, carries its files byte-exact with their
// modes, resolves names, and goes down clean.
func TestLegacyFixture(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	testenv.Busybox(t, b.cli)
	dir := filepath.Join(testenv.ModuleRoot(t), "spec", "legacy", "testdata", "basic")
	cfg := b.run("-f", dir, "config").must(t, "config")
	for _, want := range []string{"(legacy)", "generated Dockerfile", "web(ready)", "exec [\"/post_startup.py\" \"web\" \"-c\" \"60\"]",
		// The Dockerfile testbed generates, under its server: base file's
		// lines first, the copies where the files go, the server's own lines.
		"    dockerfile\n      FROM testbed-test/busybox:local\n      LABEL maintainer=\"Testbed QA <qa@example.test>\"\n" +
			"      COPY [\".testbed/files/0/file\",\"/post_startup.py\"]\n      COPY [\".testbed/files/1/file\",\"/etc/proxy/proxy.conf\"]\n" +
			"      LABEL org.example.suite=\"legacy-basic\"\n      CMD [\"/bin/busybox\", \"httpd\", \"-f\", \"-p\", \"3128\", \"-h\", \"/etc/proxy\"]\n",
	} {
		if !strings.Contains(cfg.out, want) {
			t.Errorf("config lacks %q:\n%s", want, cfg.out)
		}
	}
	b.run("-f", dir, "up").must(t, "up")
	blob, err := os.ReadFile(filepath.Join(dir, "web", "blob.bin"))
	if err != nil {
		t.Fatal(err)
	}
	got := b.run("-f", dir, "exec", "web", "--", "cat", "/srv/www/blob.bin").must(t, "exec cat")
	if !bytes.Equal([]byte(got.out), blob) {
		t.Errorf("blob.bin in the image differs from the source (%d vs %d bytes)", len(got.out), len(blob))
	}
	for path, mode := range map[string]string{"/srv/www/blob.bin": "640", "/post_startup.py": "755", "/etc/proxy/proxy.conf": "600"} {
		server := "web"
		if strings.HasPrefix(path, "/etc/proxy") {
			server = "proxy"
		}
		r := b.run("-f", dir, "exec", server, "--", "stat", "-c", "%a", path).must(t, "stat")
		if strings.TrimSpace(r.out) != mode {
			t.Errorf("mode of %s = %s, want %s", path, r.out, mode)
		}
	}
	// The client reaches web by its short name and its FQDN.
	for _, url := range []string{"http://web:8080/index.html", "http://web.testbed.test:8080/index.html"} {
		b.run("-f", dir, "exec", "client", "--", "wget", "-qO", "/dev/null", url).must(t, "wget "+url)
	}
	resp, err := http.Get("http://" + b.manifest().Servers["proxy"].Ports["3128/tcp"] + "/proxy.conf")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET proxy.conf through the published port = %d", resp.StatusCode)
	}
}

// A legacy install line with shell metacharacters is refused with exit 2,
// naming the server and the field, and nothing is created.
func TestLegacyHostileInstall(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	for _, install := range []string{"curl; rm -rf /", "$(id)", "`id`", "curl && wget", "pkg\nRUN evil"} {
		dir := t.TempDir()
		os.MkdirAll(filepath.Join(dir, "web"), 0o755)
		body, _ := jsonString(install)
		os.WriteFile(filepath.Join(dir, "web", "config.json"), []byte(`{"image": "testbed-test/busybox:local", "install": `+body+`}`), 0o644)
		r := b.run("-f", dir, "up")
		if r.code != 2 || !strings.Contains(r.err, `server "web"`) || !strings.Contains(r.err, `"install"`) {
			t.Errorf("install %q: exit %d, %s; want 2 naming server web and field install", install, r.code, r.err)
		}
	}
	if left := testenv.Leftovers(t, b.cli, b.project); len(left) > 0 {
		t.Errorf("a refused spec created %v", left)
	}
}

// The compose fixture: hostname + domainname, external_links, depends_on on
// health, read-only binds of config folders, a profile, .env interpolation.
func TestComposeFixture(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	testenv.Busybox(t, b.cli)
	file := filepath.Join(testenv.ModuleRoot(t), "spec", "compose", "testdata", "network-lab", "docker-compose.yml")
	b.run("-f", file, "config").must(t, "config")
	r := b.run("-f", file, "up").must(t, "up")
	if !strings.Contains(r.err, "container_name") {
		t.Errorf("no warning that container_name is replaced:\n%s", r.err)
	}
	m := b.manifest()
	if _, ok := m.Servers["debug"]; ok {
		t.Errorf("the debug profile's service came up without --profile debug")
	}
	addr := m.Servers["proxy"].Ports["3128/tcp"]
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Fatalf("proxy published at %q", addr)
	}
	resp, err := http.Get("http://" + addr + "/index.html")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET through the published proxy port = %d", resp.StatusCode)
	}
	for _, url := range []string{"http://www.example.test/index.html", "http://origin.example.test/index.html", "http://ftp:8021/readme.txt", "http://proxy.example.test:3128/index.html"} {
		b.run("-f", file, "exec", "client", "--", "wget", "-qO", "/dev/null", url).must(t, "client wget "+url)
	}
	env := b.run("-f", file, "exec", "client", "--", "env").must(t, "env")
	for _, want := range []string{"CLIENT_MODE=lab", "PROXY_URL=http://proxy.example.test:3128"} {
		if !strings.Contains(env.out, want) {
			t.Errorf("client env lacks %s", want)
		}
	}
	if w := b.run("-f", file, "exec", "web", "--", "/bin/busybox", "touch", "/srv/www/x"); w.code == 0 || !strings.Contains(w.err, "Read-only") {
		t.Errorf("the read-only bind mount is writable")
	}
}

func jsonString(s string) (string, error) {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String(), nil
}
