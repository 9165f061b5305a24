package legacy

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/testbed-dev/testbed/spec"
)

func TestLoadBasicFixture(t *testing.T) {
	dir, err := filepath.Abs("testdata/basic")
	if err != nil {
		t.Fatal(err)
	}
	tb, err := Load("testdata/basic")
	if err != nil {
		t.Fatalf("Load() error = %v", err)
	}
	if tb.Source != dir || tb.Format != spec.FormatLegacy || tb.Domain != spec.DefaultDomain {
		t.Errorf("Load() source, format, domain = %q, %q, %q; want %q, legacy, %q", tb.Source, tb.Format, tb.Domain, dir, spec.DefaultDomain)
	}
	var names []string
	for _, s := range tb.Servers {
		names = append(names, s.Name)
	}
	// Folder order; "common" has no config.json; "proxy-server" sets module "proxy".
	if want := []string{"client", "proxy", "web"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("servers = %v, want %v", names, want)
	}

	postStartup := spec.File{Src: filepath.Join(dir, "common/post_startup.py"), Dst: "/post_startup.py", Mode: 0o755}
	const head = "FROM testbed-test/busybox:local\n" +
		"LABEL maintainer=\"Testbed QA <qa@example.test>\"\n" +
		"# testbed: files\n" +
		"LABEL org.example.suite=\"legacy-basic\"\n"
	want := map[string]*spec.Server{
		"client": {
			Name: "client",
			Build: &spec.Build{Context: filepath.Join(dir, "client"), BaseImage: "testbed-test/busybox:local",
				Inline: head + `CMD ["/bin/busybox", "sleep", "3600"]` + "\n"},
			Files:     []spec.File{postStartup},
			DependsOn: []spec.Dependency{{Name: "web", Condition: spec.ConditionReady}},
			Ready:     &spec.Probe{Exec: &spec.ExecProbe{Command: []string{"/post_startup.py", "client", "-c", "60"}}},
		},
		"proxy": {
			Name: "proxy",
			Build: &spec.Build{Context: filepath.Join(dir, "proxy-server"), BaseImage: "testbed-test/busybox:local",
				Inline: head + `CMD ["/bin/busybox", "httpd", "-f", "-p", "3128", "-h", "/etc/proxy"]` + "\n"},
			Files: []spec.File{postStartup,
				{Src: filepath.Join(dir, "proxy-server/proxy.conf"), Dst: "/etc/proxy/proxy.conf", Mode: 0o600}},
			Ports:     []spec.Port{{Port: 3128, Proto: "tcp"}},
			DependsOn: []spec.Dependency{{Name: "web", Condition: spec.ConditionReady}},
			Ready:     &spec.Probe{Exec: &spec.ExecProbe{Command: []string{"/post_startup.py", "proxy", "-c", "60"}}},
		},
		"web": {
			Name: "web",
			Build: &spec.Build{Context: filepath.Join(dir, "web"), BaseImage: "testbed-test/busybox:local",
				Inline: head + `CMD ["/bin/busybox", "httpd", "-f", "-p", "8080", "-h", "/srv/www"]` + "\n"},
			Files: []spec.File{postStartup,
				{Src: filepath.Join(dir, "web/index.html"), Dst: "/srv/www/index.html", Mode: 0o644},
				{Src: filepath.Join(dir, "web/blob.bin"), Dst: "/srv/www/blob.bin", Mode: 0o640}},
			Ports:   []spec.Port{{Port: 8080, Proto: "tcp"}},
			Aliases: []string{"web.testbed.test"}, // the proxy's backend
			Ready:   &spec.Probe{Exec: &spec.ExecProbe{Command: []string{"/post_startup.py", "web", "-c", "60"}}},
		},
	}
	for _, s := range tb.Servers {
		w := want[s.Name]
		if !reflect.DeepEqual(s.Build, w.Build) {
			t.Errorf("%s: Build = %+v\nwant %+v", s.Name, s.Build, w.Build)
		}
		if !reflect.DeepEqual(s.Files, w.Files) {
			t.Errorf("%s: Files = %+v, want %+v", s.Name, s.Files, w.Files)
		}
		if !reflect.DeepEqual(s.Ports, w.Ports) {
			t.Errorf("%s: Ports = %+v, want %+v", s.Name, s.Ports, w.Ports)
		}
		if !reflect.DeepEqual(s.DependsOn, w.DependsOn) {
			t.Errorf("%s: DependsOn = %+v, want %+v", s.Name, s.DependsOn, w.DependsOn)
		}
		if !reflect.DeepEqual(s.Aliases, w.Aliases) {
			t.Errorf("%s: Aliases = %v, want %v", s.Name, s.Aliases, w.Aliases)
		}
		if !reflect.DeepEqual(s.Ready, w.Ready) {
			t.Errorf("%s: Ready = %+v, want %+v", s.Name, s.Ready, w.Ready)
		}
		if s.Image != "" || s.Builtin != "" || s.Command != nil || s.Entrypoint != nil {
			t.Errorf("%s: Image, Builtin, Command, Entrypoint = %q, %q, %q, %q; want none (the image's own)", s.Name, s.Image, s.Builtin, s.Command, s.Entrypoint)
		}
		wantPos := filepath.Join(w.Build.Context, ConfigName)
		if s.Pos.File != wantPos {
			t.Errorf("%s: Pos.File = %q, want %q", s.Name, s.Pos.File, wantPos)
		}
		for _, f := range s.Files {
			if st, err := os.Stat(f.Src); err != nil || !st.Mode().IsRegular() {
				t.Errorf("%s: file source %s is not a regular file: %v", s.Name, f.Src, err)
			}
		}
	}
	if err := tb.Validate(nil); err != nil {
		t.Errorf("Validate() of the loaded fixture = %v, want nil", err)
	}
	// The binary fixture is there byte for byte (every byte value, NUL, CR, LF).
	blob, err := os.ReadFile(filepath.Join(dir, "web/blob.bin"))
	if err != nil {
		t.Fatal(err)
	}
	if len(blob) != 520 || blob[0] != 0 || blob[255] != 0xff {
		t.Errorf("blob.bin: %d bytes starting %x, want 520 bytes 00..ff...", len(blob), blob[:2])
	}
}

// writeTree makes a directory from relative path -> content.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// loadOne loads a directory with base config base ("" for none) and one
// server "web" with config cfg, plus the extra files.
func loadOne(t *testing.T, base, cfg string, extra map[string]string) (*spec.Testbed, error) {
	t.Helper()
	files := map[string]string{"web/config.json": cfg}
	if base != "" {
		files["config.json"] = base
	}
	for k, v := range extra {
		files[k] = v
	}
	return Load(writeTree(t, files))
}

func TestLoadKeys(t *testing.T) {
	extra := map[string]string{"web/a.txt": "a", "web/sub/b.txt": "b", "shared.txt": "s", "other/config.json": `{"version": "22.04"}`}
	tests := []struct {
		name  string
		base  string
		cfg   string
		check func(t *testing.T, s *spec.Server)
	}{
		{"version", ``, `{"version": "22.04"}`, func(t *testing.T, s *spec.Server) {
			if s.Build.BaseImage != "ubuntu:22.04" || !strings.HasPrefix(s.Build.Inline, "FROM ubuntu:22.04\n") {
				t.Errorf("BaseImage = %q, Inline = %q; want ubuntu:22.04", s.Build.BaseImage, s.Build.Inline)
			}
		}},
		{"version number", ``, `{"version": 18.04}`, func(t *testing.T, s *spec.Server) {
			if s.Build.BaseImage != "ubuntu:18.04" {
				t.Errorf("BaseImage = %q, want ubuntu:18.04", s.Build.BaseImage)
			}
		}},
		{"image", ``, `{"image": "registry.example.test:5000/team/base:1.2"}`, func(t *testing.T, s *spec.Server) {
			if s.Build.BaseImage != "registry.example.test:5000/team/base:1.2" {
				t.Errorf("BaseImage = %q", s.Build.BaseImage)
			}
		}},
		{"server version beats base image", `{"image": "base/img:1"}`, `{"version": "20.04"}`, func(t *testing.T, s *spec.Server) {
			if s.Build.BaseImage != "ubuntu:20.04" {
				t.Errorf("BaseImage = %q, want ubuntu:20.04", s.Build.BaseImage)
			}
		}},
		{"base version", `{"version": "20.04"}`, `{}`, func(t *testing.T, s *spec.Server) {
			if s.Build.BaseImage != "ubuntu:20.04" {
				t.Errorf("BaseImage = %q, want ubuntu:20.04", s.Build.BaseImage)
			}
		}},
		{"maintainer quoted inert", ``, `{"version": "1", "maintainer": "Eve \"$(id)\" \\ ${HOME} ` + "`id`" + `"}`, func(t *testing.T, s *spec.Server) {
			want := `LABEL maintainer="Eve \"\$(id)\" \\ \${HOME} ` + "`id`" + `"` + "\n"
			if !strings.Contains(s.Build.Inline, want) {
				t.Errorf("Inline = %q, want line %q", s.Build.Inline, want)
			}
		}},
		{"update and install", `{"version": "1", "install": "ca-certificates"}`, `{"update": true, "install": ["curl libc6", "g++", "ca-certificates"]}`, func(t *testing.T, s *spec.Server) {
			want := "FROM ubuntu:1\nARG DEBIAN_FRONTEND=noninteractive\n" +
				`RUN ["/bin/sh","-c","apt-get update && exec apt-get install -y -- \"$@\"","sh","ca-certificates","curl","libc6","g++"]` + "\n# testbed: files\n"
			if s.Build.Inline != want {
				t.Errorf("Inline = %q, want %q", s.Build.Inline, want)
			}
		}},
		{"install only", ``, `{"version": "1", "install": "curl=7.81.0-1ubuntu1.15 libssl3:amd64 tzdata/jammy-updates libc6:i386=2.35-0ubuntu3 vim=2:8.2.3995-1ubuntu2"}`, func(t *testing.T, s *spec.Server) {
			want := "FROM ubuntu:1\nARG DEBIAN_FRONTEND=noninteractive\n" +
				`RUN ["apt-get","install","-y","--","curl=7.81.0-1ubuntu1.15","libssl3:amd64","tzdata/jammy-updates","libc6:i386=2.35-0ubuntu3","vim=2:8.2.3995-1ubuntu2"]` + "\n# testbed: files\n"
			if s.Build.Inline != want {
				t.Errorf("Inline = %q, want %q", s.Build.Inline, want)
			}
		}},
		{"update only", ``, `{"version": "1", "update": true}`, func(t *testing.T, s *spec.Server) {
			want := "FROM ubuntu:1\nARG DEBIAN_FRONTEND=noninteractive\nRUN [\"apt-get\",\"update\"]\n# testbed: files\n"
			if s.Build.Inline != want {
				t.Errorf("Inline = %q, want %q", s.Build.Inline, want)
			}
		}},
		{"update false", `{"version": "1", "update": true}`, `{"update": false}`, func(t *testing.T, s *spec.Server) {
			if strings.Contains(s.Build.Inline, "update") {
				t.Errorf("Inline = %q, want no apt-get update", s.Build.Inline)
			}
		}},
		{"copy modes", `{"version": "1", "copy": [{"src": "shared.txt", "dst": "/etc/shared.txt"}]}`,
			`{"copy": [{"src": "a.txt", "dst": "/a", "mode": "640"}, {"src": "sub/b.txt", "dst": "/opt/", "mode": "0755"}, {"src": "a.txt", "dst": "/etc/shared.txt", "mode": 600}, {"src": "sub", "dst": "/d", "mode": "0o700"}]}`,
			func(t *testing.T, s *spec.Server) {
				var got []string
				for _, f := range s.Files {
					got = append(got, filepath.Base(f.Src)+">"+f.Dst+">"+f.Mode.String())
				}
				want := []string{"a.txt>/a>-rw-r-----", "b.txt>/opt/b.txt>-rwxr-xr-x", "a.txt>/etc/shared.txt>-rw-------", "sub>/d>-rwx------"}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("Files = %v, want %v", got, want)
				}
			}},
		{"build lines", `{"version": "1", "docker_build_command": "ENV A=1"}`, `{"docker_build_command": ["RUN [\"true\"]", "  ", "# comment", "COPY --chown=1:1 x /x", "ONBUILD RUN true", "ADD local.tar /x"]}`,
			func(t *testing.T, s *spec.Server) {
				want := "FROM ubuntu:1\n# testbed: files\nENV A=1\nRUN [\"true\"]\n# comment\nCOPY --chown=1:1 x /x\nONBUILD RUN true\nADD local.tar /x\n"
				if s.Build.Inline != want {
					t.Errorf("Inline = %q, want %q", s.Build.Inline, want)
				}
			}},
		{"link", `{"version": "1"}`, `{"link": ["other"], "backend": "other"}`, func(t *testing.T, s *spec.Server) {
			want := []spec.Dependency{{Name: "other", Condition: spec.ConditionReady}}
			if !reflect.DeepEqual(s.DependsOn, want) {
				t.Errorf("DependsOn = %v, want %v", s.DependsOn, want)
			}
		}},
		{"ports", `{"version": "1", "port": 1}`, `{"port": [80, "443", 65535]}`, func(t *testing.T, s *spec.Server) {
			want := []spec.Port{{Port: 80, Proto: "tcp"}, {Port: 443, Proto: "tcp"}, {Port: 65535, Proto: "tcp"}}
			if !reflect.DeepEqual(s.Ports, want) {
				t.Errorf("Ports = %v, want %v", s.Ports, want)
			}
		}},
		{"base port", `{"version": "1", "port": 21}`, `{}`, func(t *testing.T, s *spec.Server) {
			if want := []spec.Port{{Port: 21, Proto: "tcp"}}; !reflect.DeepEqual(s.Ports, want) {
				t.Errorf("Ports = %v, want %v", s.Ports, want)
			}
		}},
		{"ensure words inert", `{"version": "1"}`, "{\"ensure\": \" http  $(id) `x` ;rm\\t-rf \"}", func(t *testing.T, s *spec.Server) {
			want := []string{"/post_startup.py", "http", "$(id)", "`x`", ";rm", "-rf", "-c", "60"}
			if s.Ready == nil || s.Ready.Exec == nil || !reflect.DeepEqual(s.Ready.Exec.Command, want) {
				t.Errorf("Ready = %+v, want exec %q", s.Ready, want)
			}
		}},
		{"ensure list", `{"version": "1"}`, `{"ensure": ["a b", "c"]}`, func(t *testing.T, s *spec.Server) {
			want := []string{"/post_startup.py", "a b", "c", "-c", "60"}
			if s.Ready == nil || !reflect.DeepEqual(s.Ready.Exec.Command, want) {
				t.Errorf("Ready = %+v, want exec %q", s.Ready, want)
			}
		}},
		{"module", `{"version": "1"}`, `{"module": "www"}`, func(t *testing.T, s *spec.Server) {
			if s.Name != "www" {
				t.Errorf("Name = %q, want www", s.Name)
			}
		}},
		{"null is absent", `{"version": "1"}`, `{"install": null, "port": null}`, func(t *testing.T, s *spec.Server) {
			if s.Ports != nil || strings.Contains(s.Build.Inline, "apt-get") {
				t.Errorf("Ports = %v, Inline = %q; want none", s.Ports, s.Build.Inline)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb, err := loadOne(t, tt.base, tt.cfg, extra)
			if err != nil {
				t.Fatalf("Load() error = %v", err)
			}
			s := tb.Servers[len(tb.Servers)-1]
			if s.Name == "other" {
				s = tb.Servers[0]
			}
			tt.check(t, s)
		})
	}
}

func TestLoadErrors(t *testing.T) {
	extra := map[string]string{"web/a.txt": "a", "other/config.json": `{"version": "1"}`}
	tests := []struct {
		name  string
		base  string
		cfg   string
		field string   // the field the error must name; "" for none
		want  []string // substrings of the message
	}{
		{"install semicolon", ``, `{"version": "1", "install": "curl; rm -rf /"}`, "install", []string{`"curl;"`, "Debian package name"}},
		{"install command substitution", ``, `{"version": "1", "install": "$(id)"}`, "install", []string{`"$(id)"`}},
		{"install backticks", ``, "{\"version\": \"1\", \"install\": [\"`id`\"]}", "install", []string{"`id`"}},
		{"install pipe", ``, `{"version": "1", "install": "a|b"}`, "install", []string{`"a|b"`}},
		{"install option", ``, `{"version": "1", "install": "--allow-unauthenticated x"}`, "install", []string{`"--allow-unauthenticated"`}},
		{"install newline", ``, `{"version": "1", "install": "a\nb"}`, "install", []string{`control or invisible character '\n' not allowed; install takes Debian package names only`}},
		{"install tab separates", ``, `{"version": "1", "install": "a\tb\u0007"}`, "install", []string{`control or invisible character '\a' not allowed`}},
		{"install uppercase", ``, `{"version": "1", "install": "Curl"}`, "install", []string{`"Curl"`}},
		{"install base", `{"version": "1", "install": "x>y"}`, `{}`, "install", []string{`"x>y"`}},
		{"install number", ``, `{"version": "1", "install": 5}`, "install", []string{"want a string"}},
		{"install version and release", ``, `{"version": "1", "install": "a=1/b"}`, "install", []string{`"a=1/b"`}},
		{"install version with a space trick", ``, `{"version": "1", "install": "a=$(id)"}`, "install", []string{`"a=$(id)"`}},
		{"install empty version", ``, `{"version": "1", "install": "a="}`, "install", []string{`"a="`}},
		{"install arch option", ``, `{"version": "1", "install": "a:-o"}`, "install", []string{`"a:-o"`}},
		{"domain in a server file", `{"version": "1"}`, `{"domain": "lab.test"}`, "domain", []string{"base config.json only"}},
		{"domain not a name", `{"version": "1", "domain": "Lab Test"}`, `{}`, "domain", []string{`"Lab Test" is not a lowercase DNS name`}},
		{"unknown keys", ``, `{"version": "1", "expose": 1, "cmd": "x"}`, "", []string{`unknown keys "expose", "cmd"`, "known: version"}},
		{"unknown copy key", ``, `{"version": "1", "copy": [{"src": "a.txt", "dst": "/a", "owner": "root"}]}`, "copy[0]", []string{`unknown keys "owner"`}},
		{"duplicate key", ``, `{"version": "1", "version": "2"}`, "version", []string{"duplicate key"}},
		{"no base image", ``, `{}`, "version", []string{"no base image"}},
		{"version and image", ``, `{"version": "1", "image": "x/y:1"}`, "image", []string{"either version or image"}},
		{"version injection", ``, `{"version": "22.04\nRUN id"}`, "version", []string{"not an image tag"}},
		{"version space", ``, `{"version": "22.04 AS x"}`, "version", []string{"not an image tag"}},
		{"image invalid", ``, `{"image": "Evil Image"}`, "image", []string{"invalid image reference"}},
		{"image variable", ``, `{"image": "${X}"}`, "image", []string{"invalid image reference"}},
		{"maintainer newline", ``, `{"version": "1", "maintainer": "a\nRUN id"}`, "maintainer", []string{`control or invisible character '\n' not allowed`}},
		{"maintainer bidi", ``, `{"version": "1", "maintainer": "a\u202eb"}`, "maintainer", []string{`control or invisible character '\u202e' not allowed`}},
		{"maintainer tab", ``, `{"version": "1", "maintainer": "a\tb"}`, "maintainer", []string{`control or invisible character '\t' not allowed`}},
		// U+FFFD stands in for bytes that were not UTF-8: spec refuses it in text, and so does legacy.
		{"maintainer replacement char", ``, `{"version": "1", "maintainer": "a\ufffdb"}`, "maintainer", []string{`control or invisible character '\ufffd' not allowed`}},
		{"update string", ``, `{"version": "1", "update": "yes"}`, "update", []string{"want true or false"}},
		{"copy missing src", ``, `{"version": "1", "copy": [{"src": "missing.txt", "dst": "/m"}]}`, "copy[0].src", []string{"does not exist", `(written as "missing.txt")`}},
		{"copy src NUL", ``, `{"version": "1", "copy": [{"src": "a\u0000b", "dst": "/m"}]}`, "copy[0].src", []string{`control or invisible character '\x00' not allowed`}},
		{"copy base missing src", `{"version": "1", "copy": [{"src": "web/a.txt", "dst": "/ok"}, {"src": "nope", "dst": "/n"}]}`, `{}`, "copy[1].src", []string{"does not exist"}},
		{"copy relative dst", ``, `{"version": "1", "copy": [{"src": "a.txt", "dst": "etc/a"}]}`, "copy[0].dst", []string{"absolute"}},
		{"copy dotdot dst", ``, `{"version": "1", "copy": [{"src": "a.txt", "dst": "/etc/../../a"}]}`, "copy[0].dst", []string{`".."`}},
		{"copy unclean dst", ``, `{"version": "1", "copy": [{"src": "a.txt", "dst": "/etc//a"}]}`, "copy[0].dst", []string{"clean"}},
		{"copy dst newline", ``, `{"version": "1", "copy": [{"src": "a.txt", "dst": "/a\nb"}]}`, "copy[0].dst", []string{`destination "/a\nb" may only hold A-Z a-z 0-9 and / . _ - + @`}},
		{"copy bad mode", ``, `{"version": "1", "copy": [{"src": "a.txt", "dst": "/a", "mode": "9"}]}`, "copy[0].mode", []string{"octal"}},
		{"copy setuid", ``, `{"version": "1", "copy": [{"src": "a.txt", "dst": "/a", "mode": "4755"}]}`, "copy[0].mode", []string{"0777"}},
		{"copy negative mode", ``, `{"version": "1", "copy": [{"src": "a.txt", "dst": "/a", "mode": -1}]}`, "copy[0].mode", []string{"octal"}},
		{"copy not list", ``, `{"version": "1", "copy": {"src": "a.txt", "dst": "/a"}}`, "copy", []string{"want a list"}},
		{"build FROM", ``, `{"version": "1", "docker_build_command": ["from evil:latest"]}`, "docker_build_command[0]", []string{"FROM is not allowed"}},
		{"build ONBUILD FROM", ``, `{"version": "1", "docker_build_command": ["ONBUILD FROM x"]}`, "docker_build_command[0]", []string{"FROM is not allowed"}},
		{"build ADD url", ``, `{"version": "1", "docker_build_command": ["ADD https://example.test/x /x"]}`, "docker_build_command[0]", []string{"ADD of a URL"}},
		{"build ADD url json", ``, `{"version": "1", "docker_build_command": "add [\"HTTP://example.test/x\", \"/x\"]"}`, "docker_build_command", []string{"ADD of a URL"}},
		{"build ADD git", ``, `{"version": "1", "docker_build_command": ["ADD git@example.test:x.git /x"]}`, "docker_build_command[0]", []string{"ADD of a URL"}},
		{"build COPY from", ``, `{"version": "1", "docker_build_command": ["COPY --from=alpine:3 /bin/sh /sh"]}`, "docker_build_command[0]", []string{"--from"}},
		{"build RUN mount from", ``, `{"version": "1", "docker_build_command": ["RUN --mount=type=bind,from=alpine,target=/a true"]}`, "docker_build_command[0]", []string{"--mount"}},
		{"build newline", ``, `{"version": "1", "docker_build_command": ["RUN true\nFROM x"]}`, "docker_build_command[0]", []string{"one Dockerfile line"}},
		{"build NUL", ``, `{"version": "1", "docker_build_command": ["RUN true\u0000"]}`, "docker_build_command[0]", []string{"NUL"}},
		{"build continuation", ``, `{"version": "1", "docker_build_command": ["ADD \\", "https://example.test/x /x"]}`, "docker_build_command[0]", []string{"continuation"}},
		{"link missing", ``, `{"version": "1", "link": "nope"}`, "link", []string{`no server "nope"`}},
		{"link self", ``, `{"version": "1", "link": "web"}`, "link", []string{"itself"}},
		{"link path", ``, `{"version": "1", "link": "../../etc"}`, "link", []string{"not a server name"}},
		{"backend in base", `{"version": "1", "backend": "web"}`, `{}`, "backend", []string{"server's config.json only"}},
		{"module in base", `{"version": "1", "module": "x"}`, `{}`, "module", []string{"server's config.json only"}},
		{"module invalid", ``, `{"version": "1", "module": "Web_1"}`, "module", []string{"not a DNS label"}},
		{"module duplicate", ``, `{"version": "1", "module": "other"}`, "module", []string{`server "other"`, "also used by", "other/config.json"}},
		{"port zero", ``, `{"version": "1", "port": 0}`, "port", []string{"1-65535"}},
		{"port big", ``, `{"version": "1", "port": [80, 70000]}`, "port", []string{"1-65535"}},
		{"port text", ``, `{"version": "1", "port": "80; id"}`, "port", []string{`port "80; id" is not a number`}},
		{"port float", ``, `{"version": "1", "port": 80.5}`, "port", []string{`port "80.5" is not a number`}},
		{"ensure empty", ``, `{"version": "1", "ensure": "  "}`, "ensure", []string{"empty"}},
		{"ensure NUL", ``, `{"version": "1", "ensure": ["a\u0000b"]}`, "ensure", []string{"NUL character not allowed"}},
		{"not an object", ``, `["version"]`, "", []string{"JSON object"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadOne(t, tt.base, tt.cfg, extra)
			if err == nil {
				t.Fatalf("Load() error = nil, want one naming %q", tt.field)
			}
			if !errors.Is(err, spec.ErrInvalid) {
				t.Errorf("Load() error = %v, want a spec error (errors.Is ErrInvalid)", err)
			}
			var se *spec.Error
			if !errors.As(err, &se) {
				t.Fatalf("Load() error %T is no *spec.Error", err)
			}
			if se.Field != tt.field {
				t.Errorf("Load() error field = %q, want %q (error %v)", se.Field, tt.field, err)
			}
			if se.File == "" || !strings.HasSuffix(se.File, ConfigName) {
				t.Errorf("Load() error file = %q, want a %s (error %v)", se.File, ConfigName, err)
			}
			if tt.base == "" && tt.field != "" && tt.field != "module" && se.Server != "web" {
				t.Errorf("Load() error server = %q, want web (error %v)", se.Server, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Load() error = %v, want it to contain %q", err, w)
				}
			}
		})
	}
}

// Load holds copy entries, ports and ensure words to the rules
// spec.Validate applies to files, ports and exec arguments: a value Load
// refuses, Validate refuses in the same words (given natively), and a
// value Load accepts, Validate accepts. The first cases are ones the two
// used to disagree on: Load took them, Validate refused them later.
func TestLoadAgreesWithValidate(t *testing.T) {
	extra := map[string]string{"web/a.txt": "a", "web/my file.txt": "m", "web/rtl\u202e.txt": "r"}
	tests := []struct {
		name   string
		cfg    string
		field  string       // the legacy field; "" when Load accepts
		native *spec.Server // the same value in the model, for Validate
		want   string       // the message both give
	}{
		{"dst with a space", `{"copy": [{"src": "a.txt", "dst": "/etc/a b"}]}`, "copy[0].dst",
			&spec.Server{Files: []spec.File{{Src: "a.txt", Dst: "/etc/a b"}}}, `destination "/etc/a b" may only hold A-Z a-z 0-9 and / . _ - + @`},
		{"dst from a source name with a space", `{"copy": [{"src": "my file.txt", "dst": "/opt/"}]}`, "copy[0].dst",
			&spec.Server{Files: []spec.File{{Src: "my file.txt", Dst: "/opt/my file.txt"}}}, `destination "/opt/my file.txt" may only hold`},
		{"dst with shell syntax", `{"copy": [{"src": "a.txt", "dst": "/x;$(id)"}]}`, "copy[0].dst",
			&spec.Server{Files: []spec.File{{Src: "a.txt", Dst: "/x;$(id)"}}}, `destination "/x;$(id)" may only hold`},
		{"dst longer than PATH_MAX", `{"copy": [{"src": "a.txt", "dst": "/` + strings.Repeat("a", 5000) + `"}]}`, "copy[0].dst",
			&spec.Server{Files: []spec.File{{Src: "a.txt", Dst: "/" + strings.Repeat("a", 5000)}}}, `longer than 4096 bytes`},
		{"src name with a bidi override", `{"copy": [{"src": "rtl\u202e.txt", "dst": "/r"}]}`, "copy[0].src",
			&spec.Server{Files: []spec.File{{Src: "rtl\u202e.txt", Dst: "/r"}}}, `control or invisible character '\u202e' not allowed`},
		{"port out of range", `{"port": 65536}`, "port",
			&spec.Server{Ports: []spec.Port{{Port: 65536, Proto: "tcp"}}}, `port 65536 out of range 1-65535`},
		{"ensure NUL", `{"ensure": ["a\u0000"]}`, "ensure",
			&spec.Server{Ready: &spec.Probe{Exec: &spec.ExecProbe{Command: []string{"/post_startup.py", "a\x00", "-c", "60"}}}}, `NUL character not allowed`},
		{"accepted dst", `{"copy": [{"src": "a.txt", "dst": "/opt/a+b@c_d-e.txt"}], "port": [1, 65535], "ensure": "x y"}`, "", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeTree(t, mergeFiles(extra, map[string]string{"web/config.json": tt.cfg, "config.json": `{"image": "testbed-test/busybox:local"}`}))
			tb, err := Load(dir)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Load() error = %v, want nil", err)
				}
				if err := tb.Validate(nil); err != nil {
					t.Errorf("Validate() of what Load accepted = %v, want nil", err)
				}
				return
			}
			var se *spec.Error
			if !errors.As(err, &se) {
				t.Fatalf("Load() error = %v, want a *spec.Error about %s", err, tt.field)
			}
			if se.Field != tt.field || se.Server != "web" || !strings.Contains(se.Msg, tt.want) {
				t.Errorf("Load() error = %v, want server web, field %q, message with %q", err, tt.field, tt.want)
			}
			// The same value in the model: Validate says the same.
			s := tt.native
			s.Name, s.Image = "web", "testbed-test/busybox:local"
			for i := range s.Files {
				s.Files[i].Src = filepath.Join(dir, "web", s.Files[i].Src)
			}
			native := &spec.Testbed{Servers: []*spec.Server{s}}
			verr := native.Validate(nil)
			if !errors.As(verr, &se) || !strings.Contains(se.Msg, tt.want) {
				t.Errorf("Validate() = %v, want a message with %q, as Load gave", verr, tt.want)
			}
		})
	}
}

// mergeFiles joins file maps for writeTree; later maps win.
func mergeFiles(maps ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range maps {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func TestLoadInstallErrorText(t *testing.T) {
	_, err := loadOne(t, "", "{\n  \"version\": \"1\",\n  \"install\": \"curl; rm -rf /\"\n}", nil)
	if err == nil {
		t.Fatal("Load() error = nil, want an install error")
	}
	for _, want := range []string{"web/config.json:3: ", `server "web": `, `field "install": `, `"curl;"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Load() error = %q, want it to contain %q", err, want)
		}
	}
}

func TestLoadSyntaxErrors(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string // file suffix, line and column
	}{
		{"bad value", "{\n  \"version\": x\n}", "config.json:2: column 14: invalid JSON"},
		{"missing comma", "{\"version\": \"1\"\n \"port\": 1}", "config.json:2: column 2: invalid JSON"},
		{"truncated", "{\"version\": \"1\",\n", "config.json:2: column 1: invalid JSON: unexpected end"},
		{"trailing data", "{\"version\": \"1\"} {}", "config.json:1: column 18: invalid JSON"},
		{"empty", "", "config.json:1: column 1: invalid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadOne(t, "", tt.body, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load() error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestLoadDirectory(t *testing.T) {
	t.Run("missing", func(t *testing.T) {
		_, err := Load(filepath.Join(t.TempDir(), "nope"))
		if !errors.Is(err, spec.ErrInvalid) {
			t.Errorf("Load() error = %v, want a spec error", err)
		}
	})
	t.Run("no servers", func(t *testing.T) {
		dir := writeTree(t, map[string]string{"config.json": `{"version": "1"}`, "notes/readme.txt": "x"})
		_, err := Load(dir)
		if err == nil || !strings.Contains(err.Error(), "no server folders") {
			t.Errorf("Load() error = %v, want no server folders", err)
		}
	})
	t.Run("folder not a label", func(t *testing.T) {
		dir := writeTree(t, map[string]string{"http_proxy/config.json": `{"version": "1"}`})
		_, err := Load(dir)
		if err == nil || !strings.Contains(err.Error(), `set "module"`) {
			t.Errorf("Load() error = %v, want a hint to set module", err)
		}
		dir = writeTree(t, map[string]string{"http_proxy/config.json": `{"version": "1", "module": "http-proxy"}`})
		tb, err := Load(dir)
		if err != nil || tb.Servers[0].Name != "http-proxy" {
			t.Errorf("Load() = %v, %v; want server http-proxy", tb, err)
		}
	})
	t.Run("several problems", func(t *testing.T) {
		dir := writeTree(t, map[string]string{
			"a/config.json": `{"version": "1", "install": "$(id)"}`,
			"b/config.json": `{"version": "1", "bogus": 1}`,
		})
		_, err := Load(dir)
		if err == nil || !strings.Contains(err.Error(), "install") || !strings.Contains(err.Error(), "bogus") {
			t.Errorf("Load() error = %v, want both problems", err)
		}
	})
	t.Run("too large", func(t *testing.T) {
		dir := writeTree(t, map[string]string{"a/config.json": `{"version": "1", "maintainer": "` + strings.Repeat("x", maxConfigSize) + `"}`})
		_, err := Load(dir)
		if err == nil || !strings.Contains(err.Error(), "larger than") {
			t.Errorf("Load() error = %v, want too large", err)
		}
	})
}

// The base file's domain names every server's domain; a backend's alias
// is in it, as the old script's Qt setups (test-net.qt.local) expect.
func TestLoadDomain(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"config.json":         "{\n  \"version\": \"22.04\",\n  \"domain\": \"test-net.qt.local\"\n}",
		"apache2/config.json": `{"port": 80}`,
		"squid/config.json":   `{"port": 3128, "backend": "apache2"}`,
	})
	tb, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if tb.Domain != "test-net.qt.local" || tb.Lines.Find("domain") != 3 {
		t.Errorf("Domain = %q (line %d), want test-net.qt.local on line 3", tb.Domain, tb.Lines.Find("domain"))
	}
	if a := tb.Server("apache2").Aliases; len(a) != 1 || a[0] != "apache2.test-net.qt.local" {
		t.Errorf("apache2 Aliases = %v, want [apache2.test-net.qt.local]", a)
	}
	if err := tb.Validate(nil); err != nil {
		t.Errorf("Validate() = %v", err)
	}
}
