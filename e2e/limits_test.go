package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/testbed-dev/testbed/spec"
)

// limitCase is one spec `config` must refuse (exit 2, no engine touched)
// with a message holding every string of want.
type limitCase struct {
	name  string
	write func(t *testing.T, dir string) string // returns the -f path
	want  []string
}

// native writes text as dir/testbed.yaml.
func native(text string) func(t *testing.T, dir string) string {
	return func(t *testing.T, dir string) string {
		return writeFile(t, filepath.Join(dir, "testbed.yaml"), []byte(text))
	}
}

// composeFile writes text as dir/compose.yaml.
func composeFile(text string) func(t *testing.T, dir string) string {
	return func(t *testing.T, dir string) string {
		return writeFile(t, filepath.Join(dir, "compose.yaml"), []byte(text))
	}
}

// legacyDir writes one legacy server "web" with cfg as its config.json.
func legacyDir(cfg string) func(t *testing.T, dir string) string {
	return func(t *testing.T, dir string) string {
		writeFile(t, filepath.Join(dir, "legacy", "web", "config.json"), []byte(cfg))
		return filepath.Join(dir, "legacy")
	}
}

func big(n int) string { return strings.Repeat("a", n) }

func manyServers(n int, format string) string {
	var b strings.Builder
	b.WriteString(format)
	for i := range n {
		fmt.Fprintf(&b, "  s%d: {image: a}\n", i)
	}
	return b.String()
}

func limitCases() []limitCase {
	words := make([]string, 10000)
	for i := range words {
		words[i] = fmt.Sprintf("pkg%d", i)
	}
	pkgs := `"` + strings.Join(words, " ") + `"`
	return []limitCase{
		{"argv", native("servers: {web: {image: a, command: [x, " + big(spec.MaxArg+1) + "]}}"),
			[]string{`"command[1]"`, "argument is 32769 bytes", "limit of 32768"}},
		{"argv-1MB", native("servers: {web: {image: a, command: [" + big(1<<20) + "]}}"),
			[]string{`"command[0]"`, "argument is 1048576 bytes"}},
		{"entrypoint", native("servers: {web: {image: a, entrypoint: [" + big(spec.MaxArg+1) + "]}}"),
			[]string{`"entrypoint[0]"`, "argument is"}},
		{"env-value", native("servers: {web: {image: a, env: {K: " + big(1<<20) + "}}}"),
			[]string{`"env.K"`, "value is 1048576 bytes", "limit of 32768"}},
		{"exec-total", native("servers: {web: {image: a, env: {A: " + big(30000) + ", B: " + big(30000) + ", C: " + big(30000) + "}}}"),
			[]string{"command, entrypoint and env together", "limit of 65536"}},
		{"option", native("servers: {web: {builtin: http, options: {user: " + big(1<<20) + "}}}"),
			[]string{`"options.user"`, "option value is 1048576 bytes", "limit of 4096"}},
		{"servers", native(manyServers(spec.MaxServers+1, "servers:\n")),
			[]string{"1001 servers, more than the limit of 1000"}},
		{"ports-range", native("servers: {web: {image: a, ports: [\"1000-1999\"]}}"),
			[]string{`"ports"`, "1000 ports (a range counts as its size), more than the limit of 256"}},
		{"ports-total", native(func() string {
			var b strings.Builder
			b.WriteString("servers:\n")
			for i := range 20 {
				fmt.Fprintf(&b, "  s%d: {image: a, ports: [\"2000-2249\"]}\n", i)
			}
			return b.String()
		}()), []string{"5000 ports over all servers", "limit of 4096"}},
		{"dockerfile-line", func(t *testing.T, dir string) string {
			writeFile(t, filepath.Join(dir, "ctx", "Dockerfile"), []byte("FROM a\nRUN [\"echo\", \""+big(spec.MaxDockerfileLine)+"\"]\n"))
			return native("servers: {web: {build: {context: ./ctx}}}")(t, dir)
		}, []string{`"build.dockerfile"`, "Dockerfile line 2 is longer than the limit of 16384"}},
		{"dockerfile-copy-dotdot", func(t *testing.T, dir string) string {
			writeFile(t, filepath.Join(dir, "ctx", "Dockerfile"), []byte("FROM a\nCOPY ../secret /x\n"))
			return native("servers: {web: {build: {context: ./ctx}}}")(t, dir)
		}, []string{"Dockerfile line 2", `COPY source "../secret" leaves the build context`}},
		{"dockerfile-copy-json-dotdot", func(t *testing.T, dir string) string {
			writeFile(t, filepath.Join(dir, "ctx", "Dockerfile"), []byte("FROM a\nCOPY --chown=1 [\"a/../../x\", \"/x\"]\n"))
			return native("servers: {web: {build: {context: ./ctx}}}")(t, dir)
		}, []string{`COPY source "a/../../x" leaves the build context`}},
		{"dockerfile-label", func(t *testing.T, dir string) string {
			writeFile(t, filepath.Join(dir, "ctx", "Dockerfile"), []byte("FROM a\nLABEL testbed.kept=true\n"))
			return native("servers: {web: {build: {context: ./ctx}}}")(t, dir)
		}, []string{"Dockerfile line 2", `"testbed." are testbed's own`}},
		{"label", native("servers: {web: {image: a, labels: {testbed.kept: \"true\"}}}"),
			[]string{`"labels.testbed.kept"`, `"testbed." are testbed's own`}},
		{"cap-all", native("servers: {web: {image: a, cap_add: [ALL]}}"),
			[]string{`"cap_add[0]"`, `capability "ALL" may not be added`}},
		{"cap-sys-admin", native("servers: {web: {image: a, cap_add: [cap_sys_admin]}}"),
			[]string{`capability "cap_sys_admin" may not be added`}},
		{"builtin-user", native("servers: {web: {builtin: http, user: root}}"),
			[]string{`"user"`, "builtin servers run as their own non-root user"}},
		{"builtin-cap-add", native("servers: {web: {builtin: http, cap_add: [NET_ADMIN]}}"),
			[]string{`"cap_add"`, "builtin servers run with every capability dropped"}},
		{"builtin-read-only", native("servers: {web: {builtin: http, read_only: false}}"),
			[]string{`"read_only"`, "read-only root file system"}},
		// compose
		{"compose-argv", composeFile("services: {web: {image: a, command: [x, " + big(1<<20) + "]}}\n"),
			[]string{`"web"`, "argument is 1048576 bytes"}},
		{"compose-env", composeFile("services: {web: {image: a, environment: {K: " + big(1<<20) + "}}}\n"),
			[]string{`"env.K"`, "value is 1048576 bytes"}},
		{"compose-cap-all", composeFile("services: {web: {image: a, cap_add: [ALL]}}\n"),
			[]string{`capability "ALL" may not be added`}},
		{"compose-ports", composeFile("services: {web: {image: a, ports: [\"127.0.0.1:1000-1999:1000-1999\"]}}\n"),
			[]string{"1000 ports (a range counts as its size)"}},
		{"compose-label", composeFile("services: {web: {image: a, labels: {testbed.kept: \"true\"}}}\n"),
			[]string{`"testbed." are testbed's own`}},
		{"compose-servers", composeFile(manyServers(spec.MaxServers+1, "services:\n")),
			[]string{"1001 servers, more than the limit of 1000"}},
		// legacy
		{"legacy-install", legacyDir(`{"version": "22.04", "install": ` + pkgs + `}`),
			[]string{`"install"`, "10000 packages, more than the limit of 256"}},
		{"legacy-build-line", legacyDir(`{"version": "22.04", "docker_build_command": ["RUN [\"echo\", \"` + big(spec.MaxDockerfileLine) + `\"]"]}`),
			[]string{"longer than the limit of 16384"}},
		{"legacy-copy-dotdot", legacyDir(`{"version": "22.04", "docker_build_command": ["COPY ../../etc/passwd /x"]}`),
			[]string{`COPY source "../../etc/passwd" leaves the build context`}},
		{"legacy-label", legacyDir(`{"version": "22.04", "docker_build_command": ["LABEL testbed.kept=true"]}`),
			[]string{`"testbed." are testbed's own`}},
	}
}

// TestLimitsRefusedByConfig: every limit, in every format that can carry
// it, refused by `config` with exit 2 and a message naming the limit.
func TestLimitsRefusedByConfig(t *testing.T) {
	t.Parallel()
	for _, lc := range limitCases() {
		t.Run(lc.name, func(t *testing.T) {
			t.Parallel()
			checkConfigRefuses(t, lc)
		})
	}
}

func checkConfigRefuses(t *testing.T, lc limitCase) {
	t.Helper()
	dir := t.TempDir()
	path := lc.write(t, dir)
	r := runInProcess("-p", "limits", "--driver", "local", "--state-dir", t.TempDir(), "-f", path, "config")
	if r.code != 2 {
		t.Fatalf("config = exit %d, want 2\nstdout: %.500s\nstderr: %.2000s", r.code, r.out, r.err)
	}
	for _, w := range lc.want {
		if !strings.Contains(r.err, w) {
			t.Errorf("config error lacks %q:\n%.2000s", w, r.err)
		}
	}
	if len(r.err) > 64<<10 {
		t.Errorf("config error is %d bytes; a refused value must be quoted short", len(r.err))
	}
}

// TestHostMountsRefusedByConfig: binds of the engine socket, /, /proc,
// /sys, /dev, /run, /var/run, their parents, and paths that reach them
// through .. or a symbolic link, in the native and compose formats, short
// and long syntax; allow_host_mounts lets them through.
func TestHostMountsRefusedByConfig(t *testing.T) {
	t.Parallel()
	spellings := []string{
		"/var/run/docker.sock", "/run/docker.sock", "/", "//", "/proc", "/proc/self", "/sys", "/sys/kernel",
		"/dev", "/dev/kmsg", "/run", "/var/run", "/var", "/var/lib", "/var/lib/docker",
		"/tmp/../proc", "/./sys", "/etc/../var/run", "./root-link", "./root-link/proc", "./run-link",
		"../../../../../../../../../../..",
	}
	links := func(t *testing.T, dir string) {
		if err := os.Symlink("/", filepath.Join(dir, "root-link")); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("/var/run", filepath.Join(dir, "run-link")); err != nil {
			t.Fatal(err)
		}
	}
	for _, src := range spellings {
		for _, form := range []string{"native-short", "native-long", "compose-short", "compose-long"} {
			lc := limitCase{name: form + "/" + src, want: []string{"a host path no test server may reach", "allow_host_mounts"}}
			switch form {
			case "native-short":
				lc.write = native(fmt.Sprintf("servers: {web: {image: a, volumes: [%q]}}", src+":/host"))
			case "native-long":
				lc.write = native(fmt.Sprintf("servers: {web: {image: a, volumes: [{type: bind, source: %q, target: /host}]}}", src))
			case "compose-short":
				lc.write = composeFile(fmt.Sprintf("services: {web: {image: a, volumes: [%q]}}\n", src+":/host"))
			case "compose-long":
				lc.write = composeFile(fmt.Sprintf("services: {web: {image: a, volumes: [{type: bind, source: %q, target: /host}]}}\n", src))
			}
			w := lc.write
			lc.write = func(t *testing.T, dir string) string { links(t, dir); return w(t, dir) }
			t.Run(lc.name, func(t *testing.T) {
				t.Parallel()
				checkConfigRefuses(t, lc)
			})
		}
	}
	// Built-in servers are no exception.
	t.Run("builtin", func(t *testing.T) {
		checkConfigRefuses(t, limitCase{write: native(`servers: {web: {builtin: http, volumes: ["/:/host"]}}`),
			want: []string{"host path no test server may reach"}})
	})
	// File sources and build contexts are held to the same places.
	t.Run("files-src", func(t *testing.T) {
		checkConfigRefuses(t, limitCase{write: native(`servers: {web: {image: a, files: [{src: /proc/self/environ, dst: /x}]}}`),
			want: []string{`"files[0].src"`, "host path no test server may reach"}})
	})
	for _, ok := range []struct{ name, text string }{
		{"allowed-native", "allow_host_mounts: true\nservers: {web: {image: a, volumes: [\"/proc:/host\"]}}"},
		{"ordinary", "servers: {web: {image: a, volumes: [\"./data:/data\", \"/tmp:/t\"]}}"},
	} {
		t.Run(ok.name, func(t *testing.T) {
			dir := t.TempDir()
			os.Mkdir(filepath.Join(dir, "data"), 0o755)
			path := native(ok.text)(t, dir)
			r := runInProcess("-p", "limits", "--driver", "local", "--state-dir", t.TempDir(), "-f", path, "config")
			if r.code != 0 {
				t.Errorf("config = exit %d, want 0\n%s", r.code, r.err)
			}
		})
	}
	t.Run("allowed-compose", func(t *testing.T) {
		dir := t.TempDir()
		path := composeFile("x-testbed: {allow_host_mounts: true}\nservices: {web: {image: a, volumes: [\"/proc:/host\"]}}\n")(t, dir)
		r := runInProcess("-p", "limits", "--driver", "local", "--state-dir", t.TempDir(), "-f", path, "config")
		if r.code != 0 {
			t.Errorf("config = exit %d, want 0\n%s", r.code, r.err)
		}
	})
	// The command line's --allow-host-mounts allows what the spec did not,
	// in every format; without it the same spec is refused.
	for _, c := range []struct {
		name  string
		write func(t *testing.T, dir string) string
	}{
		{"flag-native", native(`servers: {web: {image: a, volumes: ["/proc:/host"]}}`)},
		{"flag-compose", composeFile("services: {web: {image: a, volumes: [\"/run:/r\"]}}\n")},
		{"flag-builtin", native(`servers: {web: {builtin: http, volumes: ["/:/host"]}}`)},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := c.write(t, t.TempDir())
			r := runInProcess("-p", "limits", "--driver", "local", "--state-dir", t.TempDir(), "-f", path, "config")
			if r.code != 2 || !strings.Contains(r.err, "allow_host_mounts") {
				t.Fatalf("config without the flag = exit %d, want 2 naming allow_host_mounts\n%s", r.code, r.err)
			}
			r = runInProcess("-p", "limits", "--driver", "local", "--state-dir", t.TempDir(), "-f", path, "config", "--allow-host-mounts")
			if r.code != 0 {
				t.Errorf("config --allow-host-mounts = exit %d, want 0\n%s", r.code, r.err)
			}
		})
	}
}

// TestSymlinksAtConfig: links inside a copied tree pass, links that leave
// it are refused with their path, a linked Dockerfile that leaves the
// context is refused without its content in the message.
func TestSymlinksAtConfig(t *testing.T) {
	t.Parallel()
	mk := func(t *testing.T, dir string, links map[string]string) {
		writeFile(t, filepath.Join(dir, "ctx", "Dockerfile"), []byte("FROM a\n"))
		writeFile(t, filepath.Join(dir, "ctx", "sub", "real.txt"), []byte("x"))
		writeFile(t, filepath.Join(dir, "tree", "real.txt"), []byte("x"))
		writeFile(t, filepath.Join(dir, "outside.txt"), []byte("SECRET-CONTENT"))
		for l, target := range links {
			os.MkdirAll(filepath.Dir(filepath.Join(dir, l)), 0o755)
			if err := os.Symlink(target, filepath.Join(dir, l)); err != nil {
				t.Fatal(err)
			}
		}
	}
	refused := []struct {
		name  string
		links map[string]string
		text  string
		want  string
	}{
		{"context-abs", map[string]string{"ctx/passwd": "/etc/passwd"}, "servers: {web: {build: {context: ./ctx}}}", `symbolic link "passwd" leaves`},
		{"context-up", map[string]string{"ctx/sub/up": "../../outside.txt"}, "servers: {web: {build: {context: ./ctx}}}", `symbolic link "sub/up" leaves`},
		{"files-dir", map[string]string{"tree/esc": "../outside.txt"}, "servers: {web: {image: a, files: [{src: ./tree, dst: /t}]}}", `symbolic link "esc" leaves`},
		{"legacy-copy", map[string]string{"legacy/web/d/esc": "/etc"}, "", `symbolic link "esc" leaves`},
		{"dockerfile-link", map[string]string{"ctx/Dockerfile.link": "../outside.txt"}, "servers: {web: {build: {context: ./ctx, dockerfile: Dockerfile.link}}}", "leaves the build context"},
		{"dockerfile-passwd", map[string]string{"ctx/Dockerfile.pw": "/etc/passwd"}, "servers: {web: {build: {context: ./ctx, dockerfile: Dockerfile.pw}}}", "leaves the build context"},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			mk(t, dir, c.links)
			var path string
			if c.text == "" {
				writeFile(t, filepath.Join(dir, "legacy", "web", "d", "ok.txt"), []byte("x"))
				path = legacyDir(`{"version": "22.04", "copy": [{"src": "d", "dst": "/d"}]}`)(t, dir)
			} else {
				path = native(c.text)(t, dir)
			}
			r := runInProcess("-p", "links", "--driver", "local", "--state-dir", t.TempDir(), "-f", path, "config")
			if r.code != 2 || !strings.Contains(r.err, c.want) {
				t.Errorf("config = exit %d, %q; want exit 2 naming %q", r.code, r.err, c.want)
			}
			if strings.Contains(r.err, "SECRET-CONTENT") || strings.Contains(r.err, "root:x:0") {
				t.Errorf("config error shows the link target's content: %s", r.err)
			}
		})
	}
	t.Run("inside", func(t *testing.T) {
		dir := t.TempDir()
		mk(t, dir, map[string]string{"ctx/in": "sub/real.txt", "ctx/sub/back": "../Dockerfile", "tree/in": "real.txt",
			"ctx/Dockerfile.in": "Dockerfile", "srclink": "tree"})
		path := native("servers:\n  web: {build: {context: ./ctx, dockerfile: Dockerfile.in}, files: [{src: ./tree, dst: /t}, {src: ./srclink, dst: /s}]}\n")(t, dir)
		r := runInProcess("-p", "links", "--driver", "local", "--state-dir", t.TempDir(), "-f", path, "config")
		if r.code != 0 {
			t.Errorf("config = exit %d, want 0\n%s", r.code, r.err)
		}
	})
}

// TestConfigRedactsByValue: `config` (text and --json) masks a URL
// password in any variable, the value of a lower-case *pass* variable
// wherever it appears, and --password= / --password x arguments.
func TestConfigRedactsByValue(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := native(`servers:
  app:
    image: a
    env:
      DATABASE_URL: "postgres://app:url-secret-1@db:5432/x"
      db_pass: lower-secret-2
      ECHO: "copy of lower-secret-2"
    command: [app, --password=argv-secret-3, --token, argv-secret-4]
`)(t, dir)
	for _, args := range [][]string{{"config"}, {"config", "--json"}} {
		r := runInProcess(append([]string{"-p", "redact", "--driver", "local", "--state-dir", t.TempDir(), "-f", path}, args...)...)
		if r.code != 0 {
			t.Fatalf("%v = exit %d\n%s", args, r.code, r.err)
		}
		for _, secret := range []string{"url-secret-1", "lower-secret-2", "argv-secret-3", "argv-secret-4"} {
			if strings.Contains(r.out, secret) {
				t.Errorf("%v prints %s:\n%s", args, secret, r.out)
			}
		}
		if !strings.Contains(r.out, "postgres://app:********@db:5432/x") {
			t.Errorf("%v does not show the masked URL:\n%s", args, r.out)
		}
	}
}
