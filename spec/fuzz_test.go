package spec

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
)

// fuzzSeeds are inputs FuzzParse starts from (also stored in
// testdata/fuzz/FuzzParse).
var fuzzSeeds = []string{
	fullYAML,
	fullJSON,
	"servers: {web: {builtin: http}}\n",
	"x-a: &a {image: a, env: {A: '1'}}\nservers:\n  s: {<<: *a, ports: [\"127.0.0.1:80:80/udp\", {port: \"1-9\", host_port: 100}]}\n",
	"servers:\n  a: {image: a, depends_on: [b]}\n  b: {image: b, depends_on: {a: {condition: started}}}\n",
	"servers:\n  s:\n    image: a\n    ready: {all: [{tcp: 1}, {any: [{log: x}, {exec: [a]}, {banner: {port: 2, expect: '^a'}}]}]}\n",
	"a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nservers: {s: {image: a, command: *c}}\n",
	"servers: {s: {image: a, volumes: [\"./x:/x:ro\", {type: volume, source: d, target: /d}], files: [{src: ., dst: /x, mode: 0644}]}}\n",
	"servers:\n  s:\n    build: {context: ., dockerfile: ../x, args: [A=1]}\n    healthcheck: {test: [CMD, x], interval: 1s, retries: 2}\n    timeout: 1h1s\n",
	"{\"servers\": {\"s\": {\"image\": \"a\", \"env\": {\"K\": \"\\u0000\"}}}}",
	"servers: {s: {image: a}}\n---\nx: 1\n",
	"servers:\n  web:\n    image: a\n    env:\n      A: 1\n     B: 2\n",
	"servers:\n  web: {image: a, command: [a, b\n  db: {image: b}\n",
	"a:\n\t- b\n",
	// limits
	"servers: {s: {image: a, command: [" + strings.Repeat("a", MaxArg+1) + "]}}\n",
	"servers: {s: {image: a, ports: [\"1-65535\", 80], cap_add: [ALL, NET_ADMIN]}}\n",
	"allow_host_mounts: true\nservers: {s: {image: a, volumes: [\"/:/h\", \"/var/run:/r\"]}}\n",
	"servers: {s: {builtin: http, user: root, read_only: false, options: {user: " + strings.Repeat("b", MaxOption+1) + "}}}\n",
}

func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tb, err := Parse(data, "fuzz/testbed.yaml")
		if err != nil {
			checkAllErrors(t, err)
			// A YAML error is placed inside the document (or just past its end).
			var se *Error
			if errors.As(err, &se) && strings.Contains(se.Msg, "invalid YAML") && se.Line > bytes.Count(data, []byte("\n"))+2 {
				t.Errorf("YAML error at line %d of a %d-line document: %v", se.Line, bytes.Count(data, []byte("\n"))+1, err)
			}
			if tb != nil {
				t.Errorf("Parse() = %v and a testbed, want nil", err)
			}
			return
		}
		for _, s := range tb.Servers {
			if s.Pos.Line <= 0 {
				t.Errorf("server %q has no line", s.Name)
			}
		}
		verr := tb.Validate(testKinds)
		if verr != nil {
			checkAllErrors(t, verr)
		} else {
			checkWithinLimits(t, tb)
		}
		levels, oerr := tb.Order()
		if oerr != nil {
			checkAllErrors(t, oerr)
			return
		}
		n := 0
		for _, l := range levels {
			n += len(l)
		}
		if n != len(tb.Servers) && verr == nil {
			t.Errorf("Order() placed %d servers, want %d", n, len(tb.Servers))
		}
	})
}

// checkAllErrors fails unless every joined error is an *Error.
func checkAllErrors(t *testing.T, err error) {
	t.Helper()
	for _, e := range unjoin(err) {
		var se *Error
		if !errors.As(e, &se) {
			t.Errorf("error %q is not an *Error", e)
		}
		if strings.Contains(se.Error(), "\x00") {
			t.Errorf("error %q holds a raw NUL", e)
		}
	}
}

// checkWithinLimits fails when a testbed that passed validation breaks a
// limit of limits.go.
func checkWithinLimits(t *testing.T, tb *Testbed) {
	t.Helper()
	if len(tb.Servers) > MaxServers {
		t.Errorf("%d servers passed validation", len(tb.Servers))
	}
	for _, s := range tb.Servers {
		exec := 0
		for _, a := range append(slices.Clone(s.Command), s.Entrypoint...) {
			if len(a) > MaxArg {
				t.Errorf("server %s: a %d-byte argument passed validation", s.Name, len(a))
			}
			exec += len(a) + 1
		}
		for k, v := range s.Env {
			if len(v) > MaxEnvValue {
				t.Errorf("server %s: a %d-byte env value passed validation", s.Name, len(v))
			}
			exec += len(k) + len(v) + 2
		}
		if exec > MaxExec {
			t.Errorf("server %s: %d bytes of argv and env passed validation", s.Name, exec)
		}
		for _, v := range s.Options {
			if len(v) > MaxOption {
				t.Errorf("server %s: a %d-byte option passed validation", s.Name, len(v))
			}
		}
		if n := countPorts(s.Ports); n > MaxServerPorts {
			t.Errorf("server %s: %d ports passed validation", s.Name, n)
		}
		for _, c := range s.CapAdd {
			if !slices.Contains(AddableCaps, normalCap(c)) {
				t.Errorf("server %s: cap_add %q passed validation", s.Name, c)
			}
		}
	}
}
