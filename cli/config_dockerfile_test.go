package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// config shows the Dockerfile testbed generates for a legacy server and for
// an image with files added, indented under the server in the text and as
// "dockerfile" in --json, with values of secret-looking names redacted; a
// server built from its own Dockerfile or a plain image shows none.
func TestConfigShowsGeneratedDockerfile(t *testing.T) {
	b := newLocalBed(t)
	put := func(name, body string) {
		t.Helper()
		p := filepath.Join(b.dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	put("legacy/web/index.html", "hi\n")
	put("legacy/web/config.json", `{
  "image": "example/base:1",
  "maintainer": "QA <qa@example.test>",
  "install": "curl",
  "copy": [{"src": "index.html", "dst": "/srv/www/index.html", "mode": "0644"}],
  "docker_build_command": [
    "ENV DB_PASSWORD=hunter2 MODE=prod",
    "ENV API_TOKEN \"tok en\"",
    "RUN SECRET_KEY=s3cret ./configure --prefix=/usr",
    "CMD [\"httpd\", \"-f\"]"
  ],
  "port": 80
}`)
	const want = `    dockerfile
      FROM example/base:1
      LABEL maintainer="QA <qa@example.test>"
      ARG DEBIAN_FRONTEND=noninteractive
      RUN ["apt-get","install","-y","--","curl"]
      COPY [".testbed/files/0/file","/srv/www/index.html"]
      ENV DB_PASSWORD=******** MODE=prod
      ENV API_TOKEN ********
      RUN SECRET_KEY=******** ./configure --prefix=/usr
      CMD ["httpd", "-f"]
`
	r := b.run("-f", "legacy", "config").must(t, "config")
	if !strings.Contains(r.out, "    ready      ") || !strings.Contains(r.out, want) {
		t.Errorf("config of a legacy server lacks its Dockerfile\n%s\nin:\n%s", want, r.out)
	}
	if i, j := strings.Index(r.out, "  web\n"), strings.Index(r.out, "    dockerfile\n"); i < 0 || j < i {
		t.Errorf("the Dockerfile is not under server web:\n%s", r.out)
	}
	for _, secret := range []string{"hunter2", "tok en", "s3cret"} {
		if strings.Contains(r.out, secret) {
			t.Errorf("config printed the secret %q:\n%s", secret, r.out)
		}
	}

	put("ca.pem", "PEM\n")
	put("certs/a.pem", "A\n")
	put("ctx/Dockerfile", "FROM example/base:1\n")
	put("testbed.yaml", `servers:
  app:
    image: example/app:1
    files:
      - {src: ./ca.pem, dst: /etc/ssl/ca.pem, mode: "0644"}
      - {src: ./certs, dst: /etc/certs}
  own:
    build: {context: ./ctx}
  plain:
    image: example/app:1
  web: {builtin: http}
`)
	r = b.run("config", "--json").must(t, "config --json")
	var out struct {
		Servers []struct{ Name, Dockerfile string }
	}
	if err := json.Unmarshal([]byte(r.out), &out); err != nil {
		t.Fatalf("config --json printed %q: %v", r.out, err)
	}
	got := map[string]string{}
	for _, s := range out.Servers {
		got[s.Name] = s.Dockerfile
	}
	wantJSON := map[string]string{
		"app":   "FROM example/app:1\nCOPY [\".testbed/files/0/file\",\"/etc/ssl/ca.pem\"]\nCOPY [\".testbed/files/1/\",\"/etc/certs/\"]\n",
		"own":   "",
		"plain": "",
		"web":   "",
	}
	for name, want := range wantJSON {
		if got[name] != want {
			t.Errorf("config --json: server %s dockerfile = %q, want %q", name, got[name], want)
		}
	}
	r = b.run("config", "app").must(t, "config app")
	if !strings.Contains(r.out, "    dockerfile\n      FROM example/app:1\n      COPY [\".testbed/files/0/file\",\"/etc/ssl/ca.pem\"]\n") {
		t.Errorf("config app lacks the Dockerfile of app:\n%s", r.out)
	}
}
