package e2e

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"sort"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"

	"github.com/testbed-dev/testbed/internal/testenv"
)

// fakeAptImage is a busybox image whose apt-get only records how it was
// called (and the debconf frontend it saw) in /apt.log.
const fakeAptImage = "testbed-test/fakeapt:e2e"

// buildFakeApt builds fakeAptImage and removes it when the test ends.
func buildFakeApt(t *testing.T, cli *client.Client) {
	t.Helper()
	testenv.Busybox(t, cli)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(name string, mode int64, body string) {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Size: int64(len(body)), Typeflag: tar.TypeReg, ModTime: time.Unix(0, 0)}); err != nil {
			t.Fatal(err)
		}
		io.WriteString(tw, body)
	}
	add("Dockerfile", 0o644, "FROM "+testenv.BusyboxImage+"\nCOPY apt-get /bin/apt-get\n")
	add("apt-get", 0o755, "#!/bin/sh\necho \"DEBIAN_FRONTEND=$DEBIAN_FRONTEND $*\" >> /apt.log\n")
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	res, err := cli.ImageBuild(ctx, &buf, client.ImageBuildOptions{Tags: []string{fakeAptImage}, Remove: true, ForceRemove: true,
		Labels: map[string]string{"testbed.test": "fakeapt"}})
	if err != nil {
		t.Fatalf("build %s: %v", fakeAptImage, err)
	}
	out, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if bytes.Contains(out, []byte(`"error"`)) {
		t.Fatalf("build %s: %s", fakeAptImage, out)
	}
	t.Cleanup(func() {
		// The label is inherited: images testbed built FROM this one carry
		// it too. Remove the newest first, so children go before parents.
		list, err := cli.ImageList(ctx, client.ImageListOptions{All: true, Filters: client.Filters{}.Add("label", "testbed.test=fakeapt")})
		if err != nil {
			t.Errorf("list fakeapt images: %v", err)
			return
		}
		items := list.Items
		sort.Slice(items, func(i, j int) bool { return items[i].Created > items[j].Created })
		for _, img := range items {
			if _, err := cli.ImageRemove(ctx, img.ID, client.ImageRemoveOptions{Force: true, PruneChildren: true}); err != nil && !cerrdefs.IsNotFound(err) {
				t.Errorf("remove image %s: %v", img.ID, err)
			}
		}
	})
}

// A legacy directory with apt's full package syntax, update and install in
// one step, and a domain: apt-get gets the packages word for word as
// arguments, once after an update in the same RUN, with no debconf prompt
// possible, and every server is named in the domain.
func TestLegacyAptAndDomain(t *testing.T) {
	b := newBed(t)
	buildFakeApt(t, b.cli)
	t.Cleanup(func() { b.run("down", "--rmi") })
	b.write("legacy/config.json", `{"image": "`+fakeAptImage+`", "domain": "test-net.qt.local"}`, 0o644)
	b.write("legacy/web/config.json", `{
  "update": true,
  "install": "curl=7.81.0-1ubuntu1.15 libssl3:amd64 tzdata/jammy-updates vim=2:8.2.3995-1ubuntu2",
  "docker_build_command": ["CMD [\"/bin/busybox\", \"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/\"]"],
  "port": 8080
}`, 0o644)
	b.write("legacy/client/config.json", `{
  "backend": "web",
  "docker_build_command": ["CMD [\"/bin/busybox\", \"sleep\", \"3600\"]"]
}`, 0o644)
	dir := b.dir + "/legacy"
	b.run("-f", dir, "up").must(t, "up")

	log := b.run("-f", dir, "exec", "web", "--", "cat", "/apt.log").must(t, "cat /apt.log")
	want := "DEBIAN_FRONTEND=noninteractive update\n" +
		"DEBIAN_FRONTEND=noninteractive install -y -- curl=7.81.0-1ubuntu1.15 libssl3:amd64 tzdata/jammy-updates vim=2:8.2.3995-1ubuntu2\n"
	if log.out != want {
		t.Errorf("apt-get calls =\n%s\nwant\n%s", log.out, want)
	}
	env := b.run("-f", dir, "exec", "web", "--", "env").must(t, "env")
	if strings.Contains(env.out, "DEBIAN_FRONTEND") {
		t.Errorf("DEBIAN_FRONTEND reached the running server's environment:\n%s", env.out)
	}
	if d := b.manifest().Domain; d != "test-net.qt.local" {
		t.Errorf("endpoints domain = %q, want test-net.qt.local", d)
	}
	b.run("-f", dir, "exec", "client", "--", "wget", "-qO", "/dev/null", "http://web.test-net.qt.local:8080/apt.log").must(t, "wget by the FQDN in the domain")
}

// File-based secrets and configs are mounted read-only where compose puts
// them; restart is ignored with a warning placed at its line.
func TestComposeSecretsAndConfigs(t *testing.T) {
	b := newBed(t)
	testenv.Busybox(t, b.cli)
	b.write("c/token.txt", "s3cret-token\n", 0o644)
	b.write("c/app.conf", "listen 8080\n", 0o644)
	file := b.write("c/docker-compose.yml", `services:
  app:
    image: `+testenv.BusyboxImage+`
    command: ["/bin/busybox", "sleep", "3600"]
    restart: unless-stopped
    secrets:
      - token
      - source: token
        target: api.key
    configs:
      - source: app_conf
        target: /etc/app/app.conf
      - app_conf
secrets:
  token: {file: ./token.txt}
configs:
  app_conf: {file: ./app.conf}
`, 0o644)
	up := b.run("-f", file, "up").must(t, "up")
	if !strings.Contains(up.err, `docker-compose.yml:5: server "app": restart: "unless-stopped" ignored`) {
		t.Errorf("up stderr lacks the placed restart warning:\n%s", up.err)
	}
	for path, want := range map[string]string{
		"/run/secrets/token": "s3cret-token\n", "/run/secrets/api.key": "s3cret-token\n",
		"/etc/app/app.conf": "listen 8080\n", "/app_conf": "listen 8080\n",
	} {
		r := b.run("-f", file, "exec", "app", "--", "cat", path).must(t, "cat "+path)
		if r.out != want {
			t.Errorf("%s = %q, want %q", path, r.out, want)
		}
	}
	if w := b.run("-f", file, "exec", "app", "--", "touch", "/run/secrets/token"); w.code == 0 {
		t.Errorf("the secret is writable in the container")
	}
}
