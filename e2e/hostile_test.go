package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"
	"go.yaml.in/yaml/v3"

	"github.com/testbed-dev/testbed/cli"
	"github.com/testbed-dev/testbed/internal/testenv"
)

// The hostile-input table through the CLI, for every input format: each
// string field that a file can reach gets each payload below. A field that
// refuses a payload must make `config` and `up` exit 2 with a message that
// names the field (and the server), show the value escaped and cut short,
// and create nothing. A field that takes plain data accepts it, and
// TestHostileDataReachesContainer checks that such values arrive in the
// container byte for byte with no shell having run them.
// (spec/hostile_test.go covers the validator itself; this is the CLI.)

// payload is one hostile value. The shell-looking ones would leave a
// /tmp/pwned-* file behind if anything ever ran them through a shell.
type payload struct{ id, v string }

var payloads = []payload{
	{"semicolon", "x; touch /tmp/pwned-semicolon"},
	{"and", "x && touch /tmp/pwned-and"},
	{"subst", "$(touch /tmp/pwned-subst)"},
	{"backtick", "`touch /tmp/pwned-backtick`"},
	{"quotes", `x"y'z`},
	{"newline", "x\ntouch /tmp/pwned-newline"},
	{"nul", "x\x00y"},
	{"dotdot", "../../etc/passwd"},
	{"long", strings.Repeat("a", 10000)},
	{"cyrillic", "wеb"}, // the е is U+0435
}

// Payload ids a kind of field accepts: data (argv words, env values) takes
// anything but NUL; text (labels, user names) anything but control
// characters; everything else refuses every payload.
const (
	acceptData = "semicolon and subst backtick quotes newline dotdot long cyrillic"
	acceptText = "semicolon and subst backtick quotes dotdot long cyrillic"
	// option and label values: text of at most spec.MaxOption bytes
	acceptOption = "semicolon and subst backtick quotes dotdot cyrillic"
	// regexps: valid expressions on one line, of bounded length
	acceptRegexp = "semicolon and subst backtick quotes dotdot cyrillic"
)

// hostileCase is one field of one format.
type hostileCase struct {
	name   string // subtest name
	field  string // the message names `field "<field>...`; "" when msg says it
	server string // the message names `server "<server>"`; "" for none
	msg    string // the message contains this (for names that are not fields)
	accept string // payload ids valid here
	// write writes the spec for value v under dir and returns the path for
	// -f, or "" when the format cannot carry v (a NUL in a folder name).
	write func(t *testing.T, dir, v string) string
}

// obj is a map literal for specs.
type obj = map[string]any

// nativeFields are the string fields of the native format, as Go values
// that are then written as YAML and as JSON.
func nativeFields() []struct {
	field, server, msg, accept string
	spec                       func(v string) obj
} {
	img := testenv.BusyboxImage
	web := func(extra obj) obj {
		s := obj{"image": img}
		for k, v := range extra {
			s[k] = v
		}
		return obj{"servers": obj{"web": s}}
	}
	type f = struct {
		field, server, msg, accept string
		spec                       func(v string) obj
	}
	return []f{
		{"name", "", "", "", func(v string) obj { o := web(nil); o["name"] = v; return o }},
		{"domain", "", "", "", func(v string) obj { o := web(nil); o["domain"] = v; return o }},
		{"", "", "invalid server name", "", func(v string) obj { return obj{"servers": obj{v: obj{"image": img}}} }},
		{"builtin", "web", "", "", func(v string) obj { return obj{"servers": obj{"web": obj{"builtin": v}}} }},
		{"options.user", "web", "", acceptOption, func(v string) obj {
			return obj{"servers": obj{"web": obj{"builtin": "http", "options": obj{"user": v}}}}
		}},
		{"options.", "web", "", "", func(v string) obj {
			return obj{"servers": obj{"web": obj{"builtin": "http", "options": obj{v: "x"}}}}
		}},
		{"image", "web", "", "", func(v string) obj { return obj{"servers": obj{"web": obj{"image": v}}} }},
		{"build.context", "web", "", "", func(v string) obj { return obj{"servers": obj{"web": obj{"build": obj{"context": v}}}} }},
		{"build.dockerfile", "web", "", "", func(v string) obj {
			return obj{"servers": obj{"web": obj{"build": obj{"context": "./ctx", "dockerfile": v}}}}
		}},
		{"build.args.K", "web", "", acceptData, func(v string) obj {
			return obj{"servers": obj{"web": obj{"build": obj{"context": "./ctx", "args": obj{"K": v}}}}}
		}},
		{"build.args.", "web", "", "", func(v string) obj {
			return obj{"servers": obj{"web": obj{"build": obj{"context": "./ctx", "args": obj{v: "x"}}}}}
		}},
		{"command[1]", "web", "", acceptData, func(v string) obj { return web(obj{"command": []any{"app", v}}) }},
		{"entrypoint[0]", "web", "", acceptData, func(v string) obj { return web(obj{"entrypoint": []any{v}}) }},
		{"env.K", "web", "", acceptData, func(v string) obj { return web(obj{"env": obj{"K": v}}) }},
		{"env.", "web", "", "", func(v string) obj { return web(obj{"env": obj{v: "x"}}) }},
		{"files[0].src", "web", "", "", func(v string) obj { return web(obj{"files": []any{obj{"src": v, "dst": "/x"}}}) }},
		{"files[0].dst", "web", "", "", func(v string) obj { return web(obj{"files": []any{obj{"src": "./ca.pem", "dst": v}}}) }},
		{"files[0].dst", "web", "", "", func(v string) obj {
			return web(obj{"files": []any{obj{"src": "./ca.pem", "dst": "/" + v}}})
		}},
		{"files[0].mode", "web", "", "", func(v string) obj {
			return web(obj{"files": []any{obj{"src": "./ca.pem", "dst": "/x", "mode": v}}})
		}},
		{"ports[0]", "web", "", "", func(v string) obj { return web(obj{"ports": []any{v}}) }},
		{"ports[0].host_ip", "web", "", "", func(v string) obj { return web(obj{"ports": []any{obj{"port": 80, "host_ip": v}}}) }},
		{"aliases[0]", "web", "", "", func(v string) obj { return web(obj{"aliases": []any{v}}) }},
		{"depends_on[0]", "web", "", "", func(v string) obj { return web(obj{"depends_on": []any{v}}) }},
		{"depends_on[0].condition", "web", "", "", func(v string) obj {
			o := web(obj{"depends_on": obj{"db": obj{"condition": v}}})
			o["servers"].(obj)["db"] = obj{"image": img}
			return o
		}},
		{"ready.http.path", "web", "", "", func(v string) obj { return web(obj{"ready": obj{"http": obj{"port": 80, "path": v}}}) }},
		{"ready.banner.expect", "web", "", acceptRegexp, func(v string) obj {
			return web(obj{"ready": obj{"banner": obj{"port": 21, "expect": v}}})
		}},
		{"ready.banner.send", "web", "", acceptData, func(v string) obj {
			return web(obj{"ready": obj{"banner": obj{"port": 21, "expect": "x", "send": v}}})
		}},
		{"ready.log.pattern", "web", "", acceptRegexp, func(v string) obj { return web(obj{"ready": obj{"log": v}}) }},
		{"ready.exec.command[1]", "web", "", acceptData, func(v string) obj { return web(obj{"ready": obj{"exec": []any{"test", v}}}) }},
		{"timeout", "web", "", "", func(v string) obj { return web(obj{"timeout": v}) }},
		{"hostname", "web", "", "", func(v string) obj { return web(obj{"hostname": v}) }},
		{"user", "web", "", "", func(v string) obj { return web(obj{"user": v}) }},
		{"working_dir", "web", "", "", func(v string) obj { return web(obj{"working_dir": v}) }},
		{"working_dir", "web", "", "", func(v string) obj { return web(obj{"working_dir": "/" + v}) }},
		{"tmpfs[0]", "web", "", "", func(v string) obj { return web(obj{"tmpfs": []any{v}}) }},
		{"cap_add[0]", "web", "", "", func(v string) obj { return web(obj{"cap_add": []any{v}}) }},
		{"cap_drop[0]", "web", "", "", func(v string) obj { return web(obj{"cap_drop": []any{v}}) }},
		{"volumes[0]", "web", "", "", func(v string) obj { return web(obj{"volumes": []any{v}}) }},
		{"volumes[0].target", "web", "", "", func(v string) obj {
			return web(obj{"volumes": []any{obj{"source": "data", "target": v}}})
		}},
		{"volumes[0].source", "web", "", "", func(v string) obj {
			return web(obj{"volumes": []any{obj{"source": v, "target": "/x"}}})
		}},
		{"labels.k", "web", "", acceptOption, func(v string) obj { return web(obj{"labels": obj{"k": v}}) }},
		{"labels.", "web", "", "", func(v string) obj { return web(obj{"labels": obj{v: "x"}}) }},
		// The test is kept as the engine takes it, with "CMD" first.
		{"healthcheck.test[2]", "web", "", acceptData, func(v string) obj {
			return web(obj{"healthcheck": obj{"test": []any{"check", v}}})
		}},
	}
}

// specFixtures are the files specs refer to (build context, file source).
func specFixtures(t *testing.T, dir string) {
	t.Helper()
	for name, body := range map[string]string{
		"ctx/Dockerfile": "FROM " + testenv.BusyboxImage + "\n",
		"ca.pem":         "not really a certificate\n",
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func writeFile(t *testing.T, path string, data []byte) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// hostileCases lists the cases of every format.
func hostileCases() map[string][]hostileCase {
	out := map[string][]hostileCase{}
	for _, nf := range nativeFields() {
		nf := nf
		name := nf.field
		if name == "" {
			name = "server-name"
		}
		out["yaml"] = append(out["yaml"], hostileCase{name: name, field: nf.field, server: nf.server, msg: nf.msg, accept: nf.accept,
			write: func(t *testing.T, dir, v string) string {
				b, err := yaml.Marshal(nf.spec(v))
				if err != nil {
					t.Fatal(err)
				}
				return writeFile(t, filepath.Join(dir, "testbed.yaml"), b)
			}})
		out["json"] = append(out["json"], hostileCase{name: name, field: nf.field, server: nf.server, msg: nf.msg, accept: nf.accept,
			write: func(t *testing.T, dir, v string) string {
				b, err := json.MarshalIndent(nf.spec(v), "", "  ")
				if err != nil {
					t.Fatal(err)
				}
				return writeFile(t, filepath.Join(dir, "testbed.json"), b)
			}})
	}
	out["legacy"] = legacyCases()
	out["compose"] = composeCases()
	return out
}

// legacyCases: a directory with web/config.json (and the folder name itself).
func legacyCases() []hostileCase {
	img := testenv.BusyboxImage
	web := func(build func(v string) obj) func(t *testing.T, dir, v string) string {
		return func(t *testing.T, dir, v string) string {
			cfg := build(v)
			if _, ok := cfg["image"]; !ok {
				if _, ok := cfg["version"]; !ok {
					cfg["image"] = img
				}
			}
			b, err := json.Marshal(cfg)
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(dir, "legacy", "web", "index.html"), []byte("hi\n"))
			writeFile(t, filepath.Join(dir, "legacy", "web", "config.json"), b)
			return filepath.Join(dir, "legacy")
		}
	}
	c := func(field, accept string, build func(v string) obj) hostileCase {
		return hostileCase{name: field, field: field, server: "web", accept: accept, write: web(build)}
	}
	return []hostileCase{
		{name: "folder-name", msg: "folder name", write: func(t *testing.T, dir, v string) string {
			// A folder name cannot hold '/' or NUL, nor 10000 bytes.
			if strings.ContainsRune(v, 0) {
				return ""
			}
			v = strings.ReplaceAll(v, "/", "_")
			if len(v) > 200 {
				v = v[:200]
			}
			writeFile(t, filepath.Join(dir, "legacy", v, "config.json"), []byte(`{"image": "`+img+`"}`))
			return filepath.Join(dir, "legacy")
		}},
		c("module", "", func(v string) obj { return obj{"module": v} }),
		c("version", "", func(v string) obj { return obj{"version": v} }),
		c("image", "", func(v string) obj { return obj{"image": v} }),
		c("maintainer", "semicolon and subst backtick quotes dotdot cyrillic", func(v string) obj { return obj{"maintainer": v} }),
		c("install", "", func(v string) obj { return obj{"install": v} }),
		c("install", "", func(v string) obj { return obj{"install": []any{"curl", v}} }),
		c("copy[0].src", "", func(v string) obj { return obj{"copy": []any{obj{"src": v, "dst": "/x"}}} }),
		c("copy[0].dst", "", func(v string) obj { return obj{"copy": []any{obj{"src": "index.html", "dst": v}}} }),
		// The same rule as the native format's files[].dst, in legacy terms.
		c("copy[0].dst", "", func(v string) obj { return obj{"copy": []any{obj{"src": "index.html", "dst": "/" + v}}} }),
		c("copy[0].mode", "", func(v string) obj { return obj{"copy": []any{obj{"src": "index.html", "dst": "/x", "mode": v}}} }),
		// Trusted Dockerfile text by design (see the legacy package doc):
		// only what cannot be one instruction line is refused.
		c("docker_build_command", "semicolon and subst backtick quotes dotdot long cyrillic", func(v string) obj {
			return obj{"docker_build_command": "RUN " + v}
		}),
		c("link", "", func(v string) obj { return obj{"link": v} }),
		c("backend", "", func(v string) obj { return obj{"backend": v} }),
		c("port", "", func(v string) obj { return obj{"port": v} }),
		c("port", "", func(v string) obj { return obj{"port": []any{v}} }),
		c("ensure", acceptData, func(v string) obj { return obj{"ensure": []any{v}} }),
		{name: "unknown-key", server: "web", msg: "unknown keys", write: web(func(v string) obj { return obj{v: "x"} })},
	}
}

// composeCases: a docker-compose.yml with service web.
func composeCases() []hostileCase {
	img := testenv.BusyboxImage
	write := func(build func(v string) obj) func(t *testing.T, dir, v string) string {
		return func(t *testing.T, dir, v string) string {
			b, err := yaml.Marshal(build(v))
			if err != nil {
				t.Fatal(err)
			}
			return writeFile(t, filepath.Join(dir, "docker-compose.yml"), b)
		}
	}
	web := func(extra obj) obj {
		s := obj{"image": img}
		for k, v := range extra {
			s[k] = v
		}
		return obj{"services": obj{"web": s}}
	}
	c := func(field, accept string, build func(v string) obj) hostileCase {
		return hostileCase{name: field, field: field, server: "web", accept: accept, write: write(build)}
	}
	return []hostileCase{
		// compose-go's schema check or testbed's own names the service.
		{name: "service-name", msg: "services|service name", write: write(func(v string) obj { return obj{"services": obj{v: obj{"image": img}}} })},
		c("image", "", func(v string) obj { return obj{"services": obj{"web": obj{"image": v}}} }),
		c("build.context", "", func(v string) obj { return obj{"services": obj{"web": obj{"build": obj{"context": v}}}} }),
		c("build.dockerfile", "", func(v string) obj {
			return obj{"services": obj{"web": obj{"build": obj{"context": "./ctx", "dockerfile": v}}}}
		}),
		c("build.args.K", acceptData, func(v string) obj {
			return obj{"services": obj{"web": obj{"build": obj{"context": "./ctx", "args": obj{"K": v}}}}}
		}),
		c("command[1]", acceptData, func(v string) obj { return web(obj{"command": []any{"app", v}}) }),
		c("entrypoint[0]", acceptData, func(v string) obj { return web(obj{"entrypoint": []any{v}}) }),
		c("env.K", acceptData, func(v string) obj { return web(obj{"environment": obj{"K": v}}) }),
		c("env.", "", func(v string) obj { return web(obj{"environment": obj{v: "x"}}) }),
		c("hostname", "", func(v string) obj { return web(obj{"hostname": v}) }),
		c("domainname", "", func(v string) obj { return web(obj{"hostname": "web", "domainname": v}) }),
		// container_name is replaced by testbed's naming: a name that is no
		// DNS name is dropped with a warning; compose-go's schema refuses
		// the rest.
		{name: "container_name", msg: "container_name", accept: "semicolon and subst backtick newline dotdot long",
			write: write(func(v string) obj { return web(obj{"container_name": v}) })},
		c("aliases[0]", "", func(v string) obj { return web(obj{"networks": obj{"default": obj{"aliases": []any{v}}}}) }),
		// compose-go parses short-syntax ports itself; its error is placed
		// on the entry that caused it.
		c("ports[0]", "", func(v string) obj { return web(obj{"ports": []any{v}}) }),
		c("expose[0]", "", func(v string) obj { return web(obj{"expose": []any{v}}) }),
		c("volumes[0]", "", func(v string) obj { return web(obj{"volumes": []any{v}}) }),
		c("volumes[0]", "", func(v string) obj {
			o := web(obj{"volumes": []any{"data:" + v}})
			o["volumes"] = obj{"data": obj{}}
			return o
		}),
		// compose-go's consistency check names the service.
		{name: "depends_on", msg: `service "web" depends on undefined service`, write: write(func(v string) obj { return web(obj{"depends_on": []any{v}}) })},
		{name: "links", msg: `service "web" depends on undefined service`, write: write(func(v string) obj { return web(obj{"links": []any{v}}) })},
		c("user", "", func(v string) obj { return web(obj{"user": v}) }),
		c("working_dir", "", func(v string) obj { return web(obj{"working_dir": v}) }),
		c("tmpfs[0]", "", func(v string) obj { return web(obj{"tmpfs": []any{v}}) }),
		c("cap_add[0]", "", func(v string) obj { return web(obj{"cap_add": []any{v}}) }),
		c("labels.k", acceptOption, func(v string) obj { return web(obj{"labels": obj{"k": v}}) }),
		c("labels.", "", func(v string) obj { return web(obj{"labels": obj{v: "x"}}) }),
		c("healthcheck.test[2]", acceptData, func(v string) obj {
			return web(obj{"healthcheck": obj{"test": []any{"CMD", "check", v}}})
		}),
		c("env_file[0]", "", func(v string) obj { return web(obj{"env_file": []any{v}}) }),
	}
}

// runInProcess runs the CLI in this process.
func runInProcess(args ...string) result {
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	code := cli.Main(ctx, args, cli.IO{In: strings.NewReader(""), Out: &out, Err: &errb})
	return result{code: code, out: out.String(), err: errb.String()}
}

// quoted is how messages show a name: Go-quoted with non-ASCII escaped.
func quoted(s string) string { return fmt.Sprintf("%+q", s) }

func TestHostileInputRefused(t *testing.T) {
	t.Parallel()
	eng := testenv.Engine(t)
	state := t.TempDir()
	formats := hostileCases()
	for _, format := range []string{"yaml", "json", "legacy", "compose"} {
		t.Run(format, func(t *testing.T) {
			proj := project(t)
			t.Cleanup(func() { runInProcess("-p", proj, "--state-dir", state, "--progress", "quiet", "down") })
			refused, accepted := 0, 0
			for i, hc := range formats[format] {
				for _, pl := range payloads {
					t.Run(fmt.Sprintf("%s/%s", hc.name, pl.id), func(t *testing.T) {
						dir := filepath.Join(t.TempDir(), fmt.Sprint(i))
						specFixtures(t, dir)
						path := hc.write(t, dir, pl.v)
						if path == "" {
							t.Skipf("%s cannot carry this value", format)
						}
						base := []string{"-p", proj, "--state-dir", state, "--progress", "quiet", "-f", path}
						cfg := runInProcess(append(base, "config")...)
						if slices.Contains(strings.Fields(hc.accept), pl.id) {
							accepted++
							if cfg.code != 0 {
								t.Errorf("config = exit %d, want 0 (the value is valid here)\n%s", cfg.code, cfg.err)
							}
							return
						}
						refused++
						up := runInProcess(append(base, "up")...)
						for _, r := range []struct {
							cmd string
							r   result
						}{{"config", cfg}, {"up", up}} {
							checkRefusal(t, r.cmd, r.r, hc, pl)
						}
					})
				}
			}
			t.Logf("%s: %d values refused, %d accepted as data", format, refused, accepted)
			if left := testenv.Leftovers(t, eng, proj); len(left) > 0 {
				t.Errorf("refused specs created %v", left)
			}
		})
	}
}

// checkRefusal wants exit 2 and a message that names the field and server,
// with the value escaped and cut short.
func checkRefusal(t *testing.T, cmd string, r result, hc hostileCase, pl payload) {
	t.Helper()
	if r.code != 2 {
		t.Errorf("%s = exit %d, want 2\nstdout: %.300s\nstderr: %.600s", cmd, r.code, r.out, r.err)
		return
	}
	msg := r.err
	if pl.id == "long" && hc.isKey() && strings.Contains(msg, "invalid YAML") {
		// YAML (and so JSON, read as YAML) refuses implicit keys over 1024
		// characters before any field is known; the line is named.
		return
	}
	if hc.server != "" && !strings.Contains(msg, "server "+quoted(hc.server)) {
		t.Errorf("%s message does not name server %s:\n%.600s", cmd, hc.server, msg)
	}
	if hc.field != "" && !containsAny(msg, hc.field, `field "`) {
		t.Errorf("%s message does not name field %s:\n%.600s", cmd, hc.field, msg)
	}
	if hc.msg != "" && !containsAny(msg, hc.msg, "") {
		t.Errorf("%s message does not say %q:\n%.600s", cmd, hc.msg, msg)
	}
	if len(msg) > 4000 {
		t.Errorf("%s message is %d bytes: a long value is not cut short", cmd, len(msg))
	}
	if strings.ContainsAny(pl.v, "\n\x00") && strings.Contains(msg, pl.v) {
		t.Errorf("%s message prints the raw value with its control characters:\n%q", cmd, msg)
	}
}

// containsAny reports whether s contains prefix+alt for one of the
// '|'-separated alternatives.
func containsAny(s, alts, prefix string) bool {
	for _, a := range strings.Split(alts, "|") {
		if strings.Contains(s, prefix+a) {
			return true
		}
	}
	return false
}

// isKey reports whether the case puts the value in a mapping key.
func (hc hostileCase) isKey() bool {
	return strings.HasSuffix(hc.field, ".") || strings.HasSuffix(hc.name, "-name") || hc.name == "unknown-key"
}

// dataPayloads are the payloads data fields accept: all but NUL.
func dataPayloads() []string {
	var out []string
	for _, p := range payloads {
		if p.id != "nul" {
			out = append(out, p.v)
		}
	}
	return out
}

// textPayload is one label-like value holding every shell and quoting trick.
const textPayload = "QA; touch /tmp/pwned-t1 && `touch /tmp/pwned-t2` $(touch /tmp/pwned-t3) \"q\" 'x' ../wеb"

// argsScript writes its arguments, NUL-terminated, to the file $0 names;
// the script is fixed, the hostile words are only ever "$a".
const argsScript = `for a; do printf "%s\0" "$a"; done > "$0"`

// Values a data field accepts reach the container byte for byte, and no
// shell ever ran them: argv words (entrypoint, command, the exec probe, the
// healthcheck, legacy ensure), env values, build args, labels.
func TestHostileDataReachesContainer(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"yaml", "json", "legacy", "compose"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			b := newBed(t)
			img := testenv.Busybox(t, b.cli)
			data := dataPayloads()
			args, env, labels := obj{}, obj{}, obj{}
			var dockerfile strings.Builder
			fmt.Fprintf(&dockerfile, "FROM %s\n", img)
			want := map[string]string{} // env of PID 1
			for i, v := range data {
				args[fmt.Sprintf("A%d", i)] = v
				env[fmt.Sprintf("E%d", i)] = v
				want[fmt.Sprintf("E%d", i)] = v
			}
			labels["l0"] = textPayload
			b.write("ctx/Dockerfile", dockerfile.String(), 0o644)
			dollar := func(s string) string { return s }
			if format == "compose" {
				dollar = func(s string) string { return strings.ReplaceAll(s, "$", "$$") } // compose interpolates
			}
			entry := append([]any{"sh", "-c", "sleep 3600; true", "sh"}, anys(data)...)
			probeArgv := append([]any{"sh", "-c", argsScript, "/tmp/probe"}, anys(data)...)
			var spec, server string
			wantArgv := append([]string{"sh", "-c", "sleep 3600; true", "sh"}, append(data, data...)...)
			switch format {
			case "yaml", "json":
				server = "data"
				s := obj{"servers": obj{"data": obj{
					"build":       obj{"context": "./ctx", "args": args},
					"entrypoint":  entry,
					"command":     anys(data),
					"env":         env,
					"labels":      labels,
					"healthcheck": obj{"test": append([]any{"sh", "-c", argsScript, "/tmp/hc"}, anys(data)...), "interval": "200ms"},
					"ready":       obj{"all": []any{obj{"health": true}, obj{"exec": probeArgv}}},
					"timeout":     "60s",
				}}}
				var body []byte
				var err error
				if format == "yaml" {
					body, err = yaml.Marshal(s)
				} else {
					body, err = json.Marshal(s)
				}
				if err != nil {
					t.Fatal(err)
				}
				spec = b.write("testbed."+format, string(body), 0o644)
			case "compose":
				server = "data"
				s := obj{"services": obj{"data": obj{
					"build":       obj{"context": "./ctx", "args": dollarMap(args)},
					"entrypoint":  dollarList(entry),
					"command":     dollarList(anys(data)),
					"environment": dollarMap(env),
					"labels":      dollarMap(labels),
					"healthcheck": obj{"test": append([]any{"CMD", "sh", "-c", dollar(argsScript), "/tmp/hc"}, dollarList(anys(data))...), "interval": "1s"},
				}}}
				body, err := yaml.Marshal(s)
				if err != nil {
					t.Fatal(err)
				}
				spec = b.write("docker-compose.yml", string(body), 0o644)
			case "legacy":
				server = "web"
				want = map[string]string{}
				wantArgv = nil
				// In a script file $0 is the script: the output file comes first.
				b.write("legacy/web/post_startup.py", "#!/bin/sh\nout=$1; shift\nfor a; do printf \"%s\\0\" \"$a\"; done > \"$out\"\n", 0o755)
				cfg := obj{
					"image":                img,
					"maintainer":           textPayload,
					"copy":                 []any{obj{"src": "post_startup.py", "dst": "/post_startup.py", "mode": "755"}},
					"docker_build_command": []any{`CMD ["sleep", "3600"]`},
					"ensure":               append([]any{"/tmp/probe"}, anys(data)...),
				}
				body, err := json.Marshal(cfg)
				if err != nil {
					t.Fatal(err)
				}
				b.write("legacy/web/config.json", string(body), 0o644)
				spec = filepath.Join(b.dir, "legacy")
				labels = obj{"maintainer": textPayload}
			}
			b.run("-f", spec, "up").must(t, "up")
			cat := func(path string) []string {
				r := b.run("-f", spec, "exec", server, "--", "cat", path).must(t, "cat "+path)
				return strings.Split(strings.TrimSuffix(r.out, "\x00"), "\x00")
			}
			if wantArgv != nil {
				if got := cat("/proc/1/cmdline"); !slices.Equal(got, wantArgv) {
					t.Errorf("argv of the server = %q\nwant %q", got, wantArgv)
				}
			}
			environ := map[string]string{}
			for _, kv := range cat("/proc/1/environ") {
				k, v, _ := strings.Cut(kv, "=")
				environ[k] = v
			}
			for k, v := range want {
				if environ[k] != v {
					t.Errorf("env %s = %.80q, want %.80q", k, environ[k], v)
				}
			}
			probeWant := data
			if format == "legacy" {
				probeWant = append(append([]string(nil), data...), "-c", "60")
			}
			if format != "compose" { // compose has no exec probe; its healthcheck is the probe
				if got := cat("/tmp/probe"); !slices.Equal(got, probeWant) {
					t.Errorf("readiness probe argv = %q\nwant %q", got, probeWant)
				}
			}
			if format != "legacy" {
				if got := cat("/tmp/hc"); !slices.Equal(got, data) {
					t.Errorf("healthcheck argv = %q\nwant %q", got, data)
				}
			}
			ins, err := b.cli.ContainerInspect(context.Background(), b.project+"."+server, client.ContainerInspectOptions{})
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range labels {
				if got := ins.Container.Config.Labels[k]; got != v {
					t.Errorf("label %s = %q, want %q", k, got, v)
				}
			}
			ls := b.run("-f", spec, "exec", server, "--", "ls", "/tmp").must(t, "ls /tmp")
			if strings.Contains(ls.out, "pwned") {
				t.Errorf("a shell ran a hostile value: /tmp holds %q", ls.out)
			}
		})
	}
}

func anys(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// dollarList and dollarMap escape '$' for compose's interpolation, so the
// values arrive as written.
func dollarList(l []any) []any {
	out := make([]any, len(l))
	for i, v := range l {
		out[i] = strings.ReplaceAll(v.(string), "$", "$$")
	}
	return out
}

func dollarMap(m obj) obj {
	out := obj{}
	for k, v := range m {
		out[k] = strings.ReplaceAll(v.(string), "$", "$$")
	}
	return out
}

// Build arguments reach the build as given (the builder substitutes them;
// no shell runs them), for the native format and compose files.
func TestBuildArgsReachImage(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	img := testenv.Busybox(t, b.cli)
	value := "x; `touch /tmp/pwned` $(touch /tmp/pwned2) \"q\" 'x'\nwеb"
	b.write("ctx/Dockerfile", "FROM "+img+"\nARG A\nENV B=$A\nCMD [\"sleep\", \"3600\"]\n", 0o644)
	native, err := yaml.Marshal(obj{"servers": obj{"box": obj{"build": obj{"context": "./ctx", "args": obj{"A": value}}}}})
	if err != nil {
		t.Fatal(err)
	}
	compose, err := yaml.Marshal(obj{"services": obj{"box": obj{"build": obj{"context": "./ctx", "args": obj{"A": strings.ReplaceAll(value, "$", "$$")}}}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, spec := range []string{b.write("testbed.yaml", string(native), 0o644), b.write("docker-compose.yml", string(compose), 0o644)} {
		b.run("-f", spec, "up").must(t, "up")
		r := b.run("-f", spec, "exec", "box", "--", "cat", "/proc/1/environ").must(t, "cat environ")
		found := false
		for _, kv := range strings.Split(r.out, "\x00") {
			if v, ok := strings.CutPrefix(kv, "B="); ok {
				found = true
				if v != value {
					t.Errorf("%s: build arg A reached the image as %q, want %q", filepath.Base(spec), v, value)
				}
			}
		}
		if !found {
			t.Errorf("%s: the image has no B: build args were not passed to the build", filepath.Base(spec))
		}
		b.run("-f", spec, "down").must(t, "down")
	}
}
