package spec

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
)

// hostileValues are strings an attacker (or a careless generator) might put
// in any field.
var hostileValues = []struct{ id, v string }{
	{"semicolon", "x; rm -rf /"},
	{"and", "x && id"},
	{"subst", "$(id)"},
	{"backtick", "`id`"},
	{"quotes", `x"y'z`},
	{"newline", "x\ny"},
	{"nul", "x\x00y"},
	{"dotdot", "../../etc/passwd"},
	{"long", strings.Repeat("a", 10000)},
	{"cyrillic", "wеb"}, // the е is U+0435
}

// data values may hold anything but NUL; text values anything but control
// characters; everything else refuses every hostile value.
var (
	acceptData = "semicolon and subst backtick quotes newline dotdot long cyrillic"
	acceptText = "semicolon and subst backtick quotes dotdot long cyrillic"
	// option and label values are text of at most MaxOption bytes.
	acceptOption = "semicolon and subst backtick quotes dotdot cyrillic"
)

func TestHostileInput(t *testing.T) {
	dir := project(t)
	tests := []struct {
		field  string // field the error must name (prefix); "server" for the server name
		spec   string // %s is replaced by the JSON-quoted value
		accept string // ids of values that are valid here
	}{
		{"name", "name: %s\nservers: {web: {image: a}}", ""},
		{"domain", "domain: %s\nservers: {web: {image: a}}", ""},
		{"server", "servers: {%s: {image: a}}", ""},
		{"builtin", "servers: {web: {builtin: %s}}", ""},
		{"options.user", "servers: {web: {builtin: http, options: {user: %s}}}", acceptOption},
		{"options.", "servers: {web: {builtin: http, options: {%s: x}}}", ""},
		{"image", "servers: {web: {image: %s}}", ""},
		{"build.context", "servers: {web: {build: {context: %s}}}", ""},
		{"build.dockerfile", "servers: {web: {build: {context: ./ftp, dockerfile: %s}}}", ""},
		{"build.args.K", "servers: {web: {build: {context: ./ftp, args: {K: %s}}}}", acceptData},
		{"build.args.", "servers: {web: {build: {context: ./ftp, args: {%s: x}}}}", ""},
		{"command[1]", "servers: {web: {image: a, command: [app, %s]}}", acceptData},
		{"entrypoint[0]", "servers: {web: {image: a, entrypoint: [%s]}}", acceptData},
		{"env.K", "servers: {web: {image: a, env: {K: %s}}}", acceptData},
		{"env.", "servers: {web: {image: a, env: {%s: x}}}", ""},
		{"files[0].src", "servers: {web: {image: a, files: [{src: %s, dst: /x}]}}", ""},
		{"files[0].dst", "servers: {web: {image: a, files: [{src: ./ca.pem, dst: %s}]}}", ""},
		{"files[0].dst", "servers: {web: {image: a, files: [{src: ./ca.pem, dst: \"/\"%s}]}}", ""},
		{"files[0].mode", "servers: {web: {image: a, files: [{src: ./ca.pem, dst: /x, mode: %s}]}}", ""},
		{"ports[0]", "servers: {web: {image: a, ports: [%s]}}", ""},
		{"ports[0].host_ip", "servers: {web: {image: a, ports: [{port: 80, host_ip: %s}]}}", ""},
		{"aliases[0]", "servers: {web: {image: a, aliases: [%s]}}", ""},
		{"depends_on[0]", "servers: {web: {image: a, depends_on: [%s]}}", ""},
		{"depends_on[0].condition", "servers: {db: {image: d}, web: {image: a, depends_on: {db: {condition: %s}}}}", ""},
		{"ready.http.path", "servers: {web: {image: a, ready: {http: {port: 80, path: %s}}}}", ""},
		{"ready.http.path", "servers: {web: {image: a, ready: {http: {port: 80, path: \"/\"%s}}}}", "subst dotdot long"},
		{"ready.banner.expect", "servers: {web: {image: a, ready: {banner: {port: 21, expect: %s}}}}", "semicolon and subst backtick quotes dotdot cyrillic"},
		{"ready.banner.send", "servers: {web: {image: a, ready: {banner: {port: 21, expect: x, send: %s}}}}", acceptData},
		{"ready.log.pattern", "servers: {web: {image: a, ready: {log: %s}}}", "semicolon and subst backtick quotes dotdot cyrillic"},
		{"ready.exec.command[0]", "servers: {web: {image: a, ready: {exec: [%s]}}}", acceptData},
		{"timeout", "servers: {web: {image: a, timeout: %s}}", ""},
		{"hostname", "servers: {web: {image: a, hostname: %s}}", ""},
		{"user", "servers: {web: {image: a, user: %s}}", ""},
		{"working_dir", "servers: {web: {image: a, working_dir: %s}}", ""},
		{"working_dir", "servers: {web: {image: a, working_dir: \"/\"%s}}", ""},
		{"tmpfs[0]", "servers: {web: {image: a, tmpfs: [%s]}}", ""},
		{"cap_add[0]", "servers: {web: {image: a, cap_add: [%s]}}", ""},
		{"volumes[0]", "servers: {web: {image: a, volumes: [%s]}}", ""},
		{"volumes[0].target", "servers: {web: {image: a, volumes: [{source: data, target: %s}]}}", ""},
		{"volumes[0].source", "servers: {web: {image: a, volumes: [{source: %s, target: /x}]}}", ""},
		{"labels.k", "servers: {web: {image: a, labels: {k: %s}}}", acceptOption},
		{"labels.", "servers: {web: {image: a, labels: {%s: x}}}", ""},
		{"healthcheck.test[", "servers: {web: {image: a, healthcheck: {test: [check, %s]}}}", acceptData},
	}
	for _, tt := range tests {
		for _, hv := range hostileValues {
			t.Run(tt.field+"/"+hv.id, func(t *testing.T) {
				q, err := json.Marshal(hv.v)
				if err != nil {
					t.Fatal(err)
				}
				spec := strings.Replace(tt.spec, "%s", string(q), 1)
				// "/"+value: join the two quoted strings into one.
				spec = strings.Replace(spec, `"/""`, `"/`, 1)
				err = check(t, dir, spec+"\n")
				accepted := slices.Contains(strings.Fields(tt.accept), hv.id)
				if accepted {
					if err != nil {
						t.Errorf("Validate(%s) = %v, want nil", spec[:min(len(spec), 120)], err)
					}
					return
				}
				if err == nil {
					t.Fatalf("Validate(%s) = nil, want an error on %s", spec[:min(len(spec), 120)], tt.field)
				}
				if hv.id == "long" && (tt.field == "server" || strings.HasSuffix(tt.field, ".")) {
					// YAML itself refuses implicit keys over 1024 characters.
					if !strings.Contains(err.Error(), "invalid YAML") {
						t.Errorf("Validate() = %v, want invalid YAML", err)
					}
					return
				}
				for _, e := range unjoin(err) {
					var se *Error
					if !errors.As(e, &se) {
						t.Errorf("error %v is not an *Error", e)
						continue
					}
					if tt.field == "server" {
						if !strings.Contains(se.Msg, "invalid server name") {
							t.Errorf("error = %v, want invalid server name", se)
						}
						continue
					}
					if !strings.HasPrefix(se.Field, tt.field) {
						t.Errorf("error = %v, want it on field %s", se, tt.field)
					}
					if se.Line != 1 && tt.field != "name" && tt.field != "domain" {
						t.Errorf("error = %v, want line 1", se)
					}
				}
			})
		}
	}
}

// unjoin lists the errors joined in err.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
