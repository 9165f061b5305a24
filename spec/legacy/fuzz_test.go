package legacy

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/testbed-dev/testbed/spec"
)

// FuzzLegacyConfig loads a directory whose one server has the fuzzed
// config.json. Load must not panic, must fail with spec errors only, and
// what it accepts must keep the generated Dockerfile safe.
func FuzzLegacyConfig(f *testing.F) {
	for _, seed := range []string{
		`{"version": "22.04", "install": "curl ca-certificates", "update": true}`,
		`{"image": "testbed-test/busybox:local", "maintainer": "A \"B\" $C \\ <a@b.test>"}`,
		`{"version": "1", "copy": [{"src": "a.txt", "dst": "/a", "mode": "0640"}, {"src": "a.txt", "dst": "/b/", "mode": 755}]}`,
		`{"version": "1", "docker_build_command": ["RUN [\"true\"]", "FROM x", "ADD http://x /x"]}`,
		`{"version": "1", "link": ["other"], "backend": "other", "port": [80, "443"], "ensure": "web -v"}`,
		`{"version": "1", "install": "curl; rm -rf / $(id) ` + "`id`" + `"}`,
		`{"version": "1", "update": true, "install": "curl=7.81.0-1 libssl3:amd64 tzdata/jammy-updates vim=2:8.2-1 a=$(id) b:\"c"}`,
		`{"version": "1", "update": true, "install": ["libc6:i386=2.35-0ubuntu3", "x/y"], "domain": "lab.test"}`,
		`{"version": "1", "module": "Web", "bogus": null}`,
		`{"version": "1",, }`,
		"{\"version\": \"1\", \"docker_build_command\": \"RUN x\\nFROM y\"}",
		`{"version": "1", "docker_build_command": ["COPY ../../etc/passwd /x", "LABEL testbed.kept=true", "ADD [\"a/../../b\", \"/c\"]"]}`,
		`{"version": "1", "install": "` + strings.Repeat("p ", spec.MaxInstallPackages+1) + `"}`,
		`{"version": "1", "docker_build_command": ["RUN ` + strings.Repeat("x", spec.MaxDockerfileLine) + `"]}`,
		`[]`,
		``,
	} {
		f.Add([]byte(seed))
	}
	dir := f.TempDir() // one per process; iterations only rewrite web/config.json
	write := func(name, content string) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			f.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			f.Fatal(err)
		}
	}
	write("web/a.txt", "a")
	write("other/config.json", `{"version": "1"}`)
	f.Fuzz(func(t *testing.T, body []byte) {
		if err := os.WriteFile(filepath.Join(dir, "web", ConfigName), body, 0o644); err != nil {
			t.Fatal(err)
		}

		tb, err := Load(dir)
		if err != nil {
			if !errors.Is(err, spec.ErrInvalid) {
				t.Fatalf("Load() error = %v, want spec errors only", err)
			}
			return
		}
		for _, s := range tb.Servers {
			checkSafeServer(t, s)
		}
		// Load holds values to spec's rules: what it accepts, Validate does.
		if err := tb.Validate(nil); err != nil {
			t.Fatalf("Load() accepted what Validate() refuses: %v", err)
		}
	})
}

// packageLineRE and updateInstallRE are the only forms an install line
// takes: package words (NAME[:ARCH][=VERSION|/RELEASE]) as exec-form
// arguments, after "--" or after testbed's constant script.
var (
	packageLineRE   = regexp.MustCompile(`^RUN \["apt-get","install","-y","--"(,"[a-z0-9][a-z0-9+.:=/~_-]+")+\]$`)
	updateInstallRE = regexp.MustCompile(`^RUN \["/bin/sh","-c","apt-get update && exec apt-get install -y -- \\"\$@\\"","sh"(,"[a-z0-9][a-z0-9+.:=/~_-]+")+\]$`)
)

// checkSafeServer checks what Load promises of an accepted server.
func checkSafeServer(t *testing.T, s *spec.Server) {
	t.Helper()
	if !spec.IsDNSLabel(s.Name) {
		t.Errorf("server name %q is not a DNS label", s.Name)
	}
	b := s.Build
	if b == nil || b.BaseImage == "" || spec.CheckImageRef(b.BaseImage) != nil {
		t.Fatalf("server %s: Build = %+v, want a valid base image", s.Name, b)
	}
	lines := strings.Split(strings.TrimSuffix(b.Inline, "\n"), "\n")
	if lines[0] != "FROM "+b.BaseImage {
		t.Errorf("server %s: first line %q, want FROM %s", s.Name, lines[0], b.BaseImage)
	}
	for _, l := range lines[1:] {
		words := strings.Fields(l)
		if len(words) == 0 {
			continue
		}
		switch strings.ToUpper(words[0]) {
		case "FROM":
			t.Errorf("server %s: second FROM line %q", s.Name, l)
		case "ADD":
			if strings.Contains(l, "://") {
				t.Errorf("server %s: ADD of a URL %q", s.Name, l)
			}
		case "RUN":
			if strings.Contains(l, "apt-get") && strings.Contains(l, "install") && !packageLineRE.MatchString(l) && !updateInstallRE.MatchString(l) {
				t.Errorf("server %s: install line %q holds something other than package names", s.Name, l)
			}
		}
		if strings.ContainsAny(l, "\x00\r") || strings.HasSuffix(l, `\`) {
			t.Errorf("server %s: line %q has NUL, CR or a continuation", s.Name, l)
		}
	}
	for _, f := range s.Files {
		if !filepath.IsAbs(f.Src) || !strings.HasPrefix(f.Dst, "/") || strings.Contains(f.Dst, "..") || f.Mode&^0o777 != 0 {
			t.Errorf("server %s: unsafe file %+v", s.Name, f)
		}
	}
	if s.Ready != nil && (s.Ready.Exec == nil || s.Ready.Exec.Command[0] != ensureCommand) {
		t.Errorf("server %s: Ready = %+v, want the post_startup exec probe", s.Name, s.Ready)
	}
}
