package spec

import (
	"errors"
	"strings"
	"testing"
)

// TestBadFiles checks that each problem is reported with file, line,
// server and field.
func TestBadFiles(t *testing.T) {
	dir := project(t)
	tests := []struct {
		name, body, want string
	}{
		// syntax and shape
		{"yaml syntax", "servers:\n  web: {builtin: http\n", `testbed.yaml:3: invalid YAML: did not find expected ',' or '}' (parsing a flow mapping that starts on line 2)`},
		{"yaml syntax scanner", "a: 1\nb: 2\nc: d: e\n", `testbed.yaml:3:5: invalid YAML: mapping values are not allowed in this context`},
		{"yaml syntax block", "servers:\n  web:\n    image: a\n   x: 1\n", `testbed.yaml:4:4: invalid YAML: did not find expected key (parsing a block mapping that starts on line 2)`},
		{"unknown anchor", "servers: {web: *x}\n", `testbed.yaml:1:17: invalid YAML: unknown anchor 'x' referenced`},
		{"empty", "", `testbed.yaml: empty spec: no servers`},
		{"two documents", "servers: {web: {builtin: http}}\n---\nservers: {}\n", `testbed.yaml:2: more than one YAML document`},
		{"root list", "- a\n", `testbed.yaml:1: the spec must be a mapping`},
		{"no servers key", "name: x\n", `testbed.yaml:1: no servers: key`},
		{"servers null", "servers:\n", `testbed.yaml:1: field "servers": no servers`},
		{"servers list", "servers: [web]\n", `testbed.yaml:1: field "servers": must be a mapping of server name to server`},
		{"unknown top key", "name: x\nserver: {}\n", `testbed.yaml:2: field "server": unknown field (did you mean "servers"?)`},
		{"unknown server key", "servers:\n  web:\n    builtin: http\n    prots: [80]\n", `testbed.yaml:4: server "web": field "prots": unknown field (did you mean "ports"?)`},
		{"reset unknown", "servers:\n  web:\n    image: a\n    reset: sometimes\n", `testbed.yaml:4: server "web": field "reset": must be recreate, restart or none, not "sometimes"`},
		{"reset on builtin", "servers:\n  web: {builtin: http, reset: none}\n", `testbed.yaml:2: server "web": field "reset": applies to image and build servers`},
		{"unknown key far from any", "servers:\n  web:\n    builtin: http\n    zzzzzzzz: 1\n", `field "zzzzzzzz": unknown field (known: aliases, build,`},
		{"duplicate server", "servers:\n  web: {builtin: http}\n  web: {builtin: echo}\n", `testbed.yaml:3: field "servers.web": duplicate key "web" (first on line 2)`},
		{"duplicate field", "servers:\n  web:\n    builtin: http\n    builtin: echo\n", `testbed.yaml:4: server "web": field "builtin": duplicate key "builtin" (first on line 3)`},
		{"server scalar", "servers:\n  web: http\n", `testbed.yaml:2: server "web": must be a mapping like {builtin: http}`},
		{"binary tag", "servers:\n  web: {image: !!binary YWJj}\n", `server "web": field "image": binary values are not supported`},
		{"custom tag", "servers:\n  web: {image: !thing abc}\n", `server "web": field "image": unsupported YAML tag "!thing"`},
		{"image list", "servers:\n  web:\n    image: [a]\n", `testbed.yaml:3: server "web": field "image": must be a string, not a list`},
		{"bool", "servers:\n  web: {image: a, pull: yes}\n", `server "web": field "pull": must be true or false`},
		{"merge scalar", "servers:\n  web: {<<: 1}\n", `testbed.yaml:2: server "web": << merges mappings, not a scalar`},

		// what runs
		{"nothing", "servers:\n  web: {}\n", `testbed.yaml:2: server "web": needs one of builtin, image or build`},
		{"null server", "servers:\n  web:\n", `testbed.yaml:2: server "web": needs one of builtin, image or build`},
		{"two things", "servers:\n  web:\n    builtin: http\n    image: nginx\n", `testbed.yaml:4: server "web": field "image": sets builtin and image; exactly one`},
		{"unknown kind", "servers:\n  web:\n    builtin: htp\n", `testbed.yaml:3: server "web": field "builtin": unknown builtin kind "htp" (known: echo, ftp, http)`},
		{"unknown option", "servers:\n  web:\n    builtin: http\n    options:\n      usr: u\n", `testbed.yaml:5: server "web": field "options.usr": unknown option "usr" for kind http (known: user, password)`},
		{"option flag injection", "servers:\n  web:\n    builtin: http\n    options: {--help: x}\n", `testbed.yaml:4: server "web": field "options.--help": invalid option name "--help"`},
		{"options on image", "servers:\n  web:\n    image: nginx\n    options: {user: u}\n", `testbed.yaml:4: server "web": field "options": options only apply to builtin servers`},
		{"pull on build", "servers:\n  web:\n    build: ./ftp\n    pull: true\n", `testbed.yaml:4: server "web": field "pull": pull only applies to image servers`},
		{"builtin command", "servers:\n  web:\n    builtin: http\n    command: [x]\n", `testbed.yaml:4: server "web": field "command": builtin servers run their own command`},
		{"image uppercase", "servers:\n  web:\n    image: Example/App:1\n", `testbed.yaml:3: server "web": field "image": invalid image reference "Example/App:1"`},
		{"image digest", "servers:\n  web:\n    image: app@sha256:abc\n", `field "image": invalid image reference "app@sha256:abc"`},

		// build
		{"context missing", "servers:\n  web:\n    build: {context: ./nope}\n", `testbed.yaml:3: server "web": field "build.context": build context "` + dir + `/nope" does not exist`},
		{"context file", "servers:\n  web:\n    build: ./ca.pem\n", `field "build.context": build context "` + dir + `/ca.pem" is not a directory`},
		{"dockerfile escapes", "servers:\n  web:\n    build: {context: ./ftp, dockerfile: ../ca.pem}\n", `testbed.yaml:3: server "web": field "build.dockerfile": dockerfile "../ca.pem" must be a relative path inside the build context`},
		{"dockerfile absolute", "servers:\n  web:\n    build:\n      context: ./ftp\n      dockerfile: /etc/passwd\n", `testbed.yaml:5: server "web": field "build.dockerfile": dockerfile "/etc/passwd" must be a relative path`},
		{"dockerfile missing", "servers:\n  web:\n    build: {context: ./ftp, dockerfile: Nope}\n", `field "build.dockerfile": dockerfile "Nope" not found in`},
		{"build arg name", "servers:\n  web:\n    build:\n      context: ./ftp\n      args: {1X: y}\n", `testbed.yaml:5: server "web": field "build.args.1X": invalid build argument name "1X"`},
		{"build unknown", "servers:\n  web:\n    build: {context: ./ftp, target: x}\n", `testbed.yaml:3: server "web": field "build.target": unknown field`},

		// ports
		{"port range", "servers:\n  web:\n    image: a\n    ports: [80, 70000]\n", `testbed.yaml:4: server "web": field "ports[1]": port 70000 out of range 1-65535`},
		{"port zero", "servers:\n  web:\n    image: a\n    ports:\n      - 80\n      - 0\n", `testbed.yaml:6: server "web": field "ports[1]": port 0 out of range 1-65535`},
		{"port string range", "servers:\n  web:\n    image: a\n    ports: [\"70000\"]\n", `testbed.yaml:4: server "web": field "ports[0]": port 70000 out of range 1-65535`},
		{"port proto", "servers:\n  web:\n    image: a\n    ports: [\"80/sctp\"]\n", `field "ports[0]": port "80/sctp": protocol must be tcp or udp`},
		{"port proto key", "servers:\n  web:\n    image: a\n    ports:\n      - {port: 80, proto: sctp}\n", `testbed.yaml:5: server "web": field "ports[0].proto": protocol "sctp" must be tcp or udp`},
		{"port backwards", "servers:\n  web:\n    image: a\n    ports: [\"30009-30000\"]\n", `field "ports[0]": port range 30009-30000 ends before it starts`},
		{"port range too big", "servers:\n  web:\n    image: a\n    ports: [\"1000-3000\"]\n", `field "ports[0]": port range 1000-3000 holds 2001 ports, more than 1000`},
		{"port duplicate", "servers:\n  web:\n    image: a\n    ports:\n      - 80\n      - 443\n      - 80\n", `testbed.yaml:7: server "web": field "ports[2]": 80/tcp listed twice (also in ports[0])`},
		{"port overlap", "servers:\n  web:\n    image: a\n    ports: [\"30000-30009\", 30005]\n", `field "ports[1]": 30005/tcp listed twice (also in ports[0])`},
		{"port udp and tcp ok, udp dup", "servers:\n  web:\n    image: a\n    ports: [53, 53/udp, \"50-60/udp\"]\n", `field "ports[2]": 50-60/udp listed twice (also in ports[1])`},
		{"host ip", "servers:\n  web:\n    image: a\n    ports:\n      - {port: 80, host_ip: localhost}\n", `testbed.yaml:5: server "web": field "ports[0].host_ip": host address "localhost" is not an IP address`},
		{"host port", "servers:\n  web:\n    image: a\n    ports:\n      - {port: 80, host_port: 65536}\n", `field "ports[0].host_port": host port 65536 out of range 1-65535`},
		{"host port clash", "servers:\n  a:\n    image: a\n    ports: [\"8080:80\"]\n  b:\n    image: b\n    ports: [\"8080:81\"]\n", `testbed.yaml:7: server "b": field "ports[0].host_port": host port 8080 also published by server "a" ports[0]`},
		{"host port type", "servers:\n  web:\n    image: a\n    ports:\n      - {port: 80, host_port: \"x\"}\n", `field "ports[0].host_port": must be a decimal integer, not "x"`},
		{"port mapping without port", "servers:\n  web:\n    image: a\n    ports:\n      - {proto: udp}\n", `testbed.yaml:5: server "web": field "ports[0]": port: is required`},
		{"port host parts in mapping", "servers:\n  web:\n    image: a\n    ports:\n      - {port: \"1:2\"}\n", `field "ports[0].port": give the host side with host_ip: and host_port:`},
		{"port not list", "servers:\n  web:\n    image: a\n    ports: 80\n", `testbed.yaml:4: server "web": field "ports": must be a list, not a scalar`},

		// files
		{"file src missing", "servers:\n  web:\n    image: a\n    files:\n      - {src: ./nope.pem, dst: /x}\n", `testbed.yaml:5: server "web": field "files[0].src": source "` + dir + `/nope.pem" does not exist`},
		{"file dst relative", "servers:\n  web:\n    image: a\n    files:\n      - src: ./ca.pem\n        dst: etc/ca.pem\n", `testbed.yaml:6: server "web": field "files[0].dst": destination "etc/ca.pem" must be an absolute path`},
		{"file dst dotdot", "servers:\n  web:\n    image: a\n    files: [{src: ./ca.pem, dst: /etc/../root/x}]\n", `field "files[0].dst": destination "/etc/../root/x" must not hold a ".." component`},
		{"file dst unclean", "servers:\n  web:\n    image: a\n    files: [{src: ./ca.pem, dst: /etc//x/}]\n", `field "files[0].dst": destination "/etc//x/" is not clean (want "/etc/x")`},
		{"file dst root", "servers:\n  web:\n    image: a\n    files: [{src: ./ca.pem, dst: /}]\n", `field "files[0].dst": destination "/" must name a path below the root`},
		{"file mode big", "servers:\n  web:\n    image: a\n    files:\n      - {src: ./ca.pem, dst: /x, mode: \"4755\"}\n", `testbed.yaml:5: server "web": field "files[0].mode": mode "4755" above 0777`},
		{"file mode decimal", "servers:\n  web:\n    image: a\n    files: [{src: ./ca.pem, dst: /x, mode: 0x1ff}]\n", `field "files[0].mode": mode "0x1ff": want octal digits`},
		{"file mode nine", "servers:\n  web:\n    image: a\n    files: [{src: ./ca.pem, dst: /x, mode: 649}]\n", `field "files[0].mode": mode "649": want octal digits`},
		{"file no dst", "servers:\n  web:\n    image: a\n    files: [{src: ./ca.pem}]\n", `testbed.yaml:4: server "web": field "files[0]": dst: is required`},

		// env, command
		{"env name", "servers:\n  web:\n    image: a\n    env:\n      A-B: x\n", `testbed.yaml:5: server "web": field "env.A-B": invalid variable name "A-B"`},
		{"env list", "servers:\n  web:\n    image: a\n    env: [A]\n", `testbed.yaml:4: server "web": field "env[0]": want KEY=VALUE, not "A"`},
		{"env NUL", "servers:\n  web:\n    image: a\n    env:\n      A: \"x\\0y\"\n", `testbed.yaml:5: server "web": field "env.A": NUL character not allowed`},
		{"command string", "servers:\n  web:\n    image: a\n    command: app --flag\n", `testbed.yaml:4: server "web": field "command": must be a list of arguments like [app, --flag], not a string`},
		{"entrypoint string", "servers:\n  web:\n    image: a\n    entrypoint: /app\n", `field "entrypoint": must be a list of arguments`},
		{"command empty", "servers:\n  web:\n    image: a\n    command: []\n", `field "command": empty list`},
		{"command NUL", "servers:\n  web:\n    image: a\n    command: [a, \"b\\0\"]\n", `field "command[1]": NUL character not allowed`},

		// names
		{"server name upper", "servers:\n  Web: {builtin: http}\n", `testbed.yaml:2: server "Web": invalid server name`},
		{"server name dash", "servers:\n  -web: {builtin: http}\n", `server "-web": invalid server name`},
		{"server name long", "servers:\n  " + strings.Repeat("a", 64) + ": {builtin: http}\n", `invalid server name`},
		{"project name", "name: My Tests\nservers: {web: {builtin: http}}\n", `testbed.yaml:1: field "name": invalid project name "My Tests"`},
		{"domain", "domain: testbed.test.\nservers: {web: {builtin: http}}\n", `testbed.yaml:1: field "domain": invalid domain "testbed.test."`},
		{"alias", "servers:\n  web:\n    builtin: http\n    aliases: [www, -x]\n", `testbed.yaml:4: server "web": field "aliases[1]": invalid alias "-x"`},
		{"alias ip", "servers:\n  web:\n    builtin: http\n    aliases: [10.0.0.1]\n", `field "aliases[0]": invalid alias "10.0.0.1"`},
		{"alias clash", "servers:\n  web: {builtin: http}\n  app:\n    image: a\n    aliases: [web]\n", `testbed.yaml:5: server "app": field "aliases[0]": alias "web" is already a name of server "web"`},
		{"hostname", "servers:\n  web:\n    image: a\n    hostname: web_1\n", `testbed.yaml:4: server "web": field "hostname": invalid hostname "web_1"`},

		// dependencies
		{"dep unknown", "servers:\n  web:\n    image: a\n    depends_on: [db]\n", `testbed.yaml:4: server "web": field "depends_on[0]": depends on "db", which is not a server here`},
		{"dep self", "servers:\n  web:\n    image: a\n    depends_on:\n      - web\n", `testbed.yaml:5: server "web": field "depends_on[0]": a server cannot depend on itself`},
		{"dep twice", "servers:\n  db: {image: d}\n  web:\n    image: a\n    depends_on: [db, db]\n", `field "depends_on[1]": "db" listed twice`},
		{"dep condition", "servers:\n  db: {image: d}\n  web:\n    image: a\n    depends_on:\n      db: {condition: healthy}\n", `testbed.yaml:6: server "web": field "depends_on[0].condition": condition "healthy": want ready, started or completed`},
		{"dep cycle", "servers:\n  a:\n    image: a\n    depends_on: [b]\n  b:\n    image: b\n    depends_on: [c]\n  c:\n    image: c\n    depends_on: [a]\n", `testbed.yaml:4: server "a": field "depends_on[0]": dependency cycle: a -> b -> c -> a`},
		{"dep map scalar", "servers:\n  db: {image: d}\n  web:\n    image: a\n    depends_on: {db: ready}\n", `field "depends_on[0]": must be a mapping like {condition: ready}`},

		// probes and durations
		{"probe two kinds", "servers:\n  web:\n    image: a\n    ready: {tcp: 80, http: 80}\n", `testbed.yaml:4: server "web": field "ready": probe sets tcp and http; give exactly one`},
		{"probe none", "servers:\n  web:\n    image: a\n    ready: {}\n", `field "ready": probe needs one of tcp, http`},
		{"probe unknown", "servers:\n  web:\n    image: a\n    ready:\n      tpc: 80\n", `testbed.yaml:5: server "web": field "ready.tpc": unknown probe (did you mean "tcp"?)`},
		{"probe port", "servers:\n  web:\n    image: a\n    ready:\n      http:\n        port: 0\n", `testbed.yaml:6: server "web": field "ready.http.port": port 0 out of range 1-65535`},
		{"probe port string", "servers:\n  web:\n    image: a\n    ready: {tcp: \"80\"}\n", `field "ready.tcp.port": must be a decimal integer, not "80"`},
		{"probe regex", "servers:\n  web:\n    image: a\n    ready:\n      banner: {port: 21, expect: \"^220 (\"}\n", `testbed.yaml:5: server "web": field "ready.banner.expect": invalid regular expression "^220 ("`},
		{"probe log empty", "servers:\n  web:\n    image: a\n    ready: {log: \"\"}\n", `field "ready.log.pattern": empty pattern`},
		{"probe nested", "servers:\n  web:\n    image: a\n    ready:\n      all:\n        - tcp: 80\n        - any:\n            - http: {port: 80, status: 99}\n", `testbed.yaml:8: server "web": field "ready.all[1].any[0].http.status": status 99 out of range 100-599`},
		{"probe http path", "servers:\n  web:\n    image: a\n    ready: {http: {port: 80, path: healthz}}\n", `field "ready.http.path": path "healthz" must start with /`},
		{"probe exec string", "servers:\n  web:\n    image: a\n    ready: {exec: {command: \"check it\"}}\n", `field "ready.exec.command": must be a list of arguments`},
		{"probe empty all", "servers:\n  web:\n    image: a\n    ready: {all: []}\n", `field "ready.all": needs at least one probe`},
		{"probe health false", "servers:\n  web:\n    image: a\n    ready: {health: false}\n", `field "ready": probe needs one of`},
		{"probe too deep", "servers:\n  web:\n    image: a\n    ready: " + strings.Repeat("{all: [", 10) + "{tcp: 1}" + strings.Repeat("]}", 10) + "\n", `probes nested more than 8 deep`},
		{"timeout unit", "servers:\n  web:\n    image: a\n    timeout: 30\n", `testbed.yaml:4: server "web": field "timeout": duration "30" needs a unit, like "30s"`},
		{"timeout zero", "servers:\n  web:\n    image: a\n    timeout: 0s\n", `field "timeout": duration "0s" must be above 0`},
		{"timeout negative", "servers:\n  web:\n    image: a\n    timeout: -5s\n", `field "timeout": duration "-5s" must be above 0`},
		{"timeout long", "servers:\n  web:\n    image: a\n    timeout: 2h\n", `testbed.yaml:4: server "web": field "timeout": timeout 2h0m0s out of range`},
		{"timeout junk", "servers:\n  web:\n    image: a\n    timeout: soon\n", `field "timeout": duration "soon": want a number with a unit`},

		// container details
		{"volume target", "servers:\n  web:\n    image: a\n    volumes: [\"./site:site\"]\n", `testbed.yaml:4: server "web": field "volumes[0].target": target "site" must be an absolute path`},
		{"volume source", "servers:\n  web:\n    image: a\n    volumes:\n      - {type: bind, source: ./nope, target: /x}\n", `testbed.yaml:5: server "web": field "volumes[0].source": source "` + dir + `/nope" does not exist`},
		{"volume type", "servers:\n  web:\n    image: a\n    volumes: [{type: tmpfs, target: /x}]\n", `field "volumes[0].type": volume type "tmpfs": want bind or volume`},
		{"volume mode", "servers:\n  web:\n    image: a\n    volumes: [\"./site:/x:rx\"]\n", `field "volumes[0]": volume "./site:/x:rx": mode must be ro or rw`},
		{"label reserved", "servers:\n  web:\n    image: a\n    labels:\n      testbed.project: x\n", `testbed.yaml:5: server "web": field "labels.testbed.project": label keys starting with "testbed." are testbed's own`},
		{"user", "servers:\n  web:\n    image: a\n    user: \"root;id\"\n", `field "user": invalid user "root;id"`},
		{"working dir", "servers:\n  web:\n    image: a\n    working_dir: srv\n", `field "working_dir": working directory "srv" must be an absolute path`},
		{"tmpfs", "servers:\n  web:\n    image: a\n    tmpfs: [tmp]\n", `field "tmpfs[0]": tmpfs mount point "tmp" must be an absolute path`},
		{"cap", "servers:\n  web:\n    image: a\n    cap_add: [\"NET ADMIN\"]\n", `field "cap_add[0]": invalid capability "NET ADMIN"`},
		{"healthcheck shell", "servers:\n  web:\n    image: a\n    healthcheck: {test: [CMD-SHELL, \"curl x\"]}\n", `field "healthcheck.test": an argv list run without a shell; CMD-SHELL is not supported`},
		{"healthcheck retries", "servers:\n  web:\n    image: a\n    healthcheck: {test: [check], retries: 1000}\n", `field "healthcheck.retries": retries 1000 out of range 0-100`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := check(t, dir, tt.body)
			if err == nil {
				t.Fatalf("Load+Validate() = nil, want %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load+Validate() =\n%v\nwant substring\n%s", err, tt.want)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("errors.Is(%v, ErrInvalid) = false", err)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("errors.As(*Error) = false")
			}
		})
	}
}

// TestAllProblemsReported checks that validation joins every problem, not
// just the first.
func TestAllProblemsReported(t *testing.T) {
	dir := project(t)
	err := check(t, dir, "servers:\n  web:\n    image: a\n    ports: [0, 70000]\n    aliases: [-x]\n    timeout: 2h\n")
	if err == nil {
		t.Fatal("Validate() = nil, want errors")
	}
	for _, want := range []string{`"ports[0]"`, `"ports[1]"`, `"aliases[0]"`, `"timeout"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v, want it to mention %s", err, want)
		}
	}
	if n := strings.Count(err.Error(), "\n") + 1; n != 4 {
		t.Errorf("Validate() reported %d problems, want 4:\n%v", n, err)
	}
}

func TestErrorString(t *testing.T) {
	tests := []struct {
		e    Error
		want string
	}{
		{Error{File: "testbed.yaml", Line: 12, Server: "web", Field: "ports[1]", Msg: "port 70000 out of range 1-65535"},
			`testbed.yaml:12: server "web": field "ports[1]": port 70000 out of range 1-65535`},
		{Error{File: "testbed.yaml", Msg: "empty"}, `testbed.yaml: empty`},
		{Error{Line: 3, Field: "name", Msg: "bad"}, `line 3: field "name": bad`},
		{Error{Server: "w\neb", Msg: "bad"}, `server "w\neb": bad`},
		{Error{Server: "wеb", Msg: "bad"}, `server "w\u0435b": bad`},
		{Error{Server: strings.Repeat("a", 100), Msg: "bad"}, `server "` + strings.Repeat("a", 64) + `"...(100 bytes): bad`},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %s, want %s", got, tt.want)
		}
	}
}

func TestValidateHandBuilt(t *testing.T) {
	dir := project(t)
	tests := []struct {
		name string
		tb   *Testbed
		want string // "" for valid
	}{
		{"default-like", &Testbed{Servers: []*Server{{Name: "http", Builtin: "http"}, {Name: "echo", Builtin: "echo"}}}, ""},
		{"no servers", &Testbed{Source: "x.yaml"}, `x.yaml: field "servers": no servers`},
		{"nil server", &Testbed{Servers: []*Server{nil}}, `field "servers": server 0 is nil`},
		{"duplicate names", &Testbed{Servers: []*Server{{Name: "a", Image: "a"}, {Name: "a", Image: "b"}}}, `server "a": server name used twice`},
		{"pos fallback", &Testbed{Servers: []*Server{{Name: "a", Image: "a", Timeout: -1, Pos: Pos{"f.yaml", 7}}}}, `f.yaml:7: server "a": field "timeout": timeout -1ns out of range`},
		{"mode", &Testbed{Servers: []*Server{{Name: "a", Image: "a", Files: []File{{Src: dir + "/ca.pem", Dst: "/x", Mode: 0o4755}}}}}, `field "files[0].mode": mode 04755 above 0777`},
		{"port end", &Testbed{Servers: []*Server{{Name: "a", Image: "a", Ports: []Port{{Port: 10, End: 5}}}}}, `field "ports[0]": port range 10-5 ends before it starts`},
		{"probe", &Testbed{Servers: []*Server{{Name: "a", Image: "a", Ready: &Probe{TCP: &TCPProbe{Port: 1}, Health: true}}}}, `field "ready": probe sets tcp and health`},
		{"health", &Testbed{Servers: []*Server{{Name: "a", Image: "a", Health: &Health{Test: []string{"CMD"}}}}}, `field "healthcheck.test": want ["CMD", argv...]`},
		{"compose health ok", &Testbed{Servers: []*Server{{Name: "a", Image: "a", Health: &Health{Test: []string{"CMD-SHELL", "true"}, Retries: 3}}}}, ""},
		{"inline build", &Testbed{Servers: []*Server{{Name: "a", Build: &Build{Context: dir, Inline: "FROM x\n", BaseImage: "debian:12"}}}}, ""},
		{"base image", &Testbed{Servers: []*Server{{Name: "a", Build: &Build{Context: dir, Inline: "FROM x\n", BaseImage: "Debian"}}}}, `field "build": base image: invalid image reference`},
		{"kinds nil skips kind check", &Testbed{Servers: []*Server{{Name: "a", Builtin: "whatever", Options: map[string]string{"x": "y"}}}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kinds := Kinds(testKinds)
			if strings.HasPrefix(tt.name, "kinds nil") {
				kinds = nil
			}
			err := tt.tb.Validate(kinds)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Validate() = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestProbeValidate(t *testing.T) {
	if err := (&Probe{HTTP: &HTTPProbe{Port: 80, Path: "/a?b=c%20d"}}).Validate(); err != nil {
		t.Errorf("Validate() = %v, want nil", err)
	}
	err := (&Probe{Any: []*Probe{{Log: &LogProbe{Pattern: "("}}, nil}}).Validate()
	for _, want := range []string{`field "any[0].log.pattern": invalid regular expression`, `field "any[1]": empty probe`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v, want %q", err, want)
		}
	}
}

func TestTooManyErrors(t *testing.T) {
	var b strings.Builder
	b.WriteString("servers:\n")
	for i := 0; i < 150; i++ {
		b.WriteString("  s" + strings.Repeat("x", i%3) + itoa(i) + ": {image: a, ports: [0]}\n")
	}
	err := check(t, project(t), b.String())
	if err == nil || !strings.Contains(err.Error(), "and 50 more problems") {
		t.Errorf("Validate() = %v, want it cut short", err)
	}
}
