package spec

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

// The kind table agrees with the model: every field of Probe is one kind,
// found by Kinds; each kind's Fields are its struct's JSON keys; Port finds
// the port of every port kind.
func TestProbeKindTable(t *testing.T) {
	kinds := map[string]ProbeKind{}
	for _, k := range ProbeKinds() {
		kinds[k.Name] = k
	}
	pt := reflect.TypeFor[Probe]()
	if pt.NumField() != len(kinds) {
		t.Errorf("Probe has %d fields, the table %d kinds", pt.NumField(), len(kinds))
	}
	for i := range pt.NumField() {
		f := pt.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		k, ok := kinds[name]
		if !ok {
			t.Errorf("Probe.%s (%q) is no kind in the table", f.Name, name)
			continue
		}
		// Set only this field, to a value that counts as set.
		var p Probe
		v := reflect.ValueOf(&p).Elem().Field(i)
		switch f.Type.Kind() {
		case reflect.Bool:
			v.SetBool(true)
		case reflect.Slice:
			v.Set(reflect.MakeSlice(f.Type, 0, 0))
		case reflect.Pointer:
			v.Set(reflect.New(f.Type.Elem()))
			var keys []string
			for j := range f.Type.Elem().NumField() {
				key, _, _ := strings.Cut(f.Type.Elem().Field(j).Tag.Get("json"), ",")
				keys = append(keys, key)
				if key == "port" {
					v.Elem().Field(j).SetInt(4242)
				}
			}
			if !slices.Equal(keys, k.Fields) {
				t.Errorf("%s: fields %v, want the model's %v", name, k.Fields, keys)
			}
			if k.Port != slices.Contains(keys, "port") {
				t.Errorf("%s: Port = %v, want %v", name, k.Port, !k.Port)
			}
		}
		got := p.Kinds()
		if len(got) != 1 || got[0].Name != name {
			t.Errorf("Kinds() of a probe setting only %s = %v", name, got)
		}
		if port, ok := p.Port(); ok != k.Port || (ok && port != 4242) {
			t.Errorf("%s: Port() = %d, %v; want 4242, %v", name, port, ok, k.Port)
		}
		if k.List != (f.Type.Kind() == reflect.Slice) || (k.List && k.Fields != nil) {
			t.Errorf("%s: List = %v with fields %v, for a field of type %s", name, k.List, k.Fields, f.Type)
		}
	}
}

// Every rule of a probe, checked on its own (fields relative to the probe).
// probe.FromSpec runs the same checks, so its tests hold these wordings too.
func TestProbeRules(t *testing.T) {
	deep := func(n int) *Probe {
		p := &Probe{TCP: &TCPProbe{Port: 1}}
		for range n {
			p = &Probe{All: []*Probe{p}}
		}
		return p
	}
	tcp := &Probe{TCP: &TCPProbe{Port: 80}}
	exited := &Probe{Exited: true}
	logp := &Probe{Log: &LogProbe{Pattern: "done"}}
	tests := []struct {
		name string
		in   *Probe
		want string // "" = valid
	}{
		{"nil", nil, `empty probe`},
		{"no kind", &Probe{}, `probe needs one of tcp, http, tls, banner, exec, log, health, all, any, echo, exited`},
		{"false flags", &Probe{Health: false, Exited: false}, `probe needs one of`},
		{"two kinds", &Probe{TCP: &TCPProbe{Port: 80}, Health: true}, `probe sets tcp and health; give exactly one (combine probes with all: or any:)`},
		{"tcp port", &Probe{TCP: &TCPProbe{}}, `field "tcp.port": port 0 out of range 1-65535`},
		{"tls port", &Probe{TLS: &TCPProbe{Port: 65536}}, `field "tls.port": port 65536 out of range 1-65535`},
		{"echo port", &Probe{Echo: &TCPProbe{Port: -7}}, `field "echo.port": port -7 out of range`},
		{"http port", &Probe{HTTP: &HTTPProbe{Port: 70000}}, `field "http.port": port 70000 out of range`},
		{"banner port", &Probe{Banner: &BannerProbe{Expect: "x"}}, `field "banner.port": port 0 out of range`},
		{"http path ok", &Probe{HTTP: &HTTPProbe{Port: 80, Path: "/a?b=c%20d"}}, ""},
		{"http relative path", &Probe{HTTP: &HTTPProbe{Port: 80, Path: "healthz"}}, `field "http.path": path "healthz" must start with /`},
		{"http host, not path", &Probe{HTTP: &HTTPProbe{Port: 80, Path: "//evil.test/x"}}, `field "http.path": path "//evil.test/x" must not start with //`},
		{"http bad escape", &Probe{HTTP: &HTTPProbe{Port: 80, Path: "/%zz"}}, `field "http.path": path "/%zz": character '%' must be percent-encoded`},
		{"http control byte", &Probe{HTTP: &HTTPProbe{Port: 80, Path: "/a\nb"}}, `field "http.path": path "/a\nb": character '\n' must be percent-encoded`},
		{"http fragment", &Probe{HTTP: &HTTPProbe{Port: 80, Path: "/a#b"}}, `field "http.path": path "/a#b": character '#' must be percent-encoded`},
		{"http status", &Probe{HTTP: &HTTPProbe{Port: 80, Status: 42}}, `field "http.status": status 42 out of range 100-599`},
		{"http status 1xx", &Probe{HTTP: &HTTPProbe{Port: 80, Status: 100}}, `field "http.status": status 100 is informational: a GET never ends with it`},
		{"http status 101", &Probe{HTTP: &HTTPProbe{Port: 80, Status: 101}}, ""},
		{"banner no expect", &Probe{Banner: &BannerProbe{Port: 21}}, `field "banner.expect": empty pattern`},
		{"banner bad regexp", &Probe{Banner: &BannerProbe{Port: 21, Expect: "(220"}}, `field "banner.expect": invalid regular expression "(220"`},
		{"banner send NUL", &Probe{Banner: &BannerProbe{Port: 21, Expect: "x", Send: "a\x00"}}, `field "banner.send": NUL character not allowed`},
		{"exec empty", &Probe{Exec: &ExecProbe{}}, `field "exec.command": empty command`},
		{"exec no program", &Probe{Exec: &ExecProbe{Command: []string{"", "x"}}}, `field "exec.command[0]": empty program name`},
		{"exec NUL", &Probe{Exec: &ExecProbe{Command: []string{"sh", "a\x00b"}}}, `field "exec.command[1]": NUL character not allowed`},
		{"log empty", &Probe{Log: &LogProbe{}}, `field "log.pattern": empty pattern`},
		{"log bad regexp", &Probe{Log: &LogProbe{Pattern: "a{2000}"}}, `field "log.pattern": invalid regular expression "a{2000}"`},
		{"empty all", &Probe{All: []*Probe{}}, `field "all": needs at least one probe`},
		{"nil member", &Probe{All: []*Probe{{Health: true}, nil}}, `field "all[1]": empty probe`},
		{"nested field", &Probe{Any: []*Probe{{Health: true}, {All: []*Probe{{HTTP: &HTTPProbe{Port: 99999}}}}}}, `field "any[1].all[0].http.port": port 99999 out of range`},
		{"deepest", deep(MaxProbeDepth), ""},
		{"too deep", deep(MaxProbeDepth + 1), `field "all[0].all[0].all[0].all[0].all[0].all[0].all[0].all[0].all[0]": probes nested more than 8 deep`},

		// exited within all/any: fine, except beside a probe that needs
		// the server running, in an all: no check sees both.
		{"all exited", &Probe{All: []*Probe{exited}}, ""},
		{"any tcp or exited", &Probe{Any: []*Probe{tcp, exited}}, ""},
		{"all log and exited", &Probe{All: []*Probe{logp, exited}}, ""},
		{"all exited and any", &Probe{All: []*Probe{exited, {Any: []*Probe{tcp, logp}}}}, ""},
		{"all tcp and exited", &Probe{All: []*Probe{tcp, exited}},
			`field "all[0]": needs the server running, but all[1] needs it to have exited; no check sees both, so this all: can never pass (use any: to accept either)`},
		{"all exited and health", &Probe{All: []*Probe{exited, {Health: true}}}, `field "all[1]": needs the server running, but all[0] needs it to have exited`},
		{"all any-of-running and all-of-exited", &Probe{All: []*Probe{{Any: []*Probe{tcp, {Exec: &ExecProbe{Command: []string{"true"}}}}}, {All: []*Probe{logp, exited}}}},
			`field "all[0]": needs the server running, but all[1] needs it to have exited`},
		{"nested in any", &Probe{Any: []*Probe{logp, {All: []*Probe{{Echo: &TCPProbe{Port: 7}}, exited}}}}, `field "any[1].all[0]": needs the server running, but any[1].all[1] needs it to have exited`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.in.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Validate() = %v, want %q", err, tt.want)
			}
		})
	}
}

// CheckRunnable applies every rule above but those for a spec file's text:
// control characters in patterns and NUL in banner.send. NUL in an argument
// can run nowhere, so both refuse it.
func TestProbeCheckRunnable(t *testing.T) {
	tests := []struct {
		name     string
		in       *Probe
		validate string // Validate's error
		runnable string // CheckRunnable's error; "" = nil
	}{
		{"binary banner", &Probe{Banner: &BannerProbe{Port: 1080, Send: "\x05\x01\x00", Expect: "^\x05\x00"}},
			`field "banner.expect": control or invisible character '\x05' not allowed`, ""},
		{"NUL send", &Probe{Banner: &BannerProbe{Port: 1080, Send: "\x00", Expect: "x"}}, `field "banner.send": NUL character not allowed`, ""},
		{"log control", &Probe{Log: &LogProbe{Pattern: "a\tb"}}, `field "log.pattern": control or invisible character '\t' not allowed`, ""},
		{"exec NUL", &Probe{Exec: &ExecProbe{Command: []string{"a\x00"}}}, `field "exec.command[0]": NUL character not allowed`, `field "exec.command[0]": NUL character not allowed`},
		{"nested port", &Probe{Any: []*Probe{{TCP: &TCPProbe{}}}}, `field "any[0].tcp.port": port 0 out of range 1-65535`, `field "any[0].tcp.port": port 0 out of range 1-65535`},
		{"long pattern", &Probe{Log: &LogProbe{Pattern: strings.Repeat("a", maxPattern+1)}}, `field "log.pattern": pattern longer than 4096 bytes`, `field "log.pattern": pattern longer than 4096 bytes`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.in.Validate(); err == nil || !strings.Contains(err.Error(), tt.validate) {
				t.Errorf("Validate() = %v, want %q", err, tt.validate)
			}
			err := tt.in.CheckRunnable()
			switch {
			case tt.runnable == "" && err != nil:
				t.Errorf("CheckRunnable() = %v, want nil", err)
			case tt.runnable != "" && (err == nil || !strings.Contains(err.Error(), tt.runnable)):
				t.Errorf("CheckRunnable() = %v, want %q", err, tt.runnable)
			}
		})
	}
}

// In a spec file the same rules name the file, line, server and field.
func TestProbeErrorsInSpec(t *testing.T) {
	dir := project(t)
	tests := []struct {
		name, body, want string
	}{
		{"all tcp and exited",
			"servers:\n  job:\n    image: a\n    ready:\n      all:\n        - tcp: 80\n        - exited: true\n",
			`testbed.yaml:6: server "job": field "ready.all[0]": needs the server running, but ready.all[1] needs it to have exited`},
		{"http host", "servers:\n  web:\n    image: a\n    ready: {http: {port: 80, path: //x}}\n",
			`testbed.yaml:4: server "web": field "ready.http.path": path "//x" must not start with //`},
		{"status 1xx", "servers:\n  web:\n    image: a\n    ready:\n      any:\n        - exited: true\n        - http: {port: 80, status: 102}\n",
			`testbed.yaml:7: server "web": field "ready.any[1].http.status": status 102 is informational`},
		{"exec program", "servers:\n  web:\n    image: a\n    ready: {exec: [\"\", x]}\n",
			`server "web": field "ready.exec.command[0]": empty program name`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := check(t, dir, tt.body); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() = %v, want %q", err, tt.want)
			}
		})
	}
	for _, ok := range []string{
		"servers:\n  job:\n    image: a\n    ready: {all: [{exited: true}]}\n",
		"servers:\n  job:\n    image: a\n    ready: {any: [{tcp: 80}, {exited: true}]}\n",
		"servers:\n  job:\n    image: a\n    ready: {all: [{log: done}, {exited: true}]}\n",
	} {
		if err := check(t, dir, ok); err != nil {
			t.Errorf("Validate(%q) = %v, want nil", ok, err)
		}
	}
}

// WithList keeps the kind of a list probe and leaves the original alone.
func TestProbeWithList(t *testing.T) {
	tcp := &Probe{TCP: &TCPProbe{Port: 80}}
	anyOf := &Probe{Any: []*Probe{tcp, {Exited: true}}}
	got := anyOf.WithList([]*Probe{tcp})
	if got.All != nil || len(got.Any) != 1 || got.Any[0] != tcp || len(anyOf.Any) != 2 {
		t.Errorf("WithList() = %+v (original %+v), want any: [tcp 80] and the original unchanged", got, anyOf)
	}
	if !anyOf.AwaitsExit() || got.AwaitsExit() || tcp.AwaitsExit() {
		t.Errorf("AwaitsExit() = %v, %v, %v; want true, false, false", anyOf.AwaitsExit(), got.AwaitsExit(), tcp.AwaitsExit())
	}
}

func TestProbeActs(t *testing.T) {
	exec := &Probe{Exec: &ExecProbe{Command: []string{"/check"}}}
	tcp := &Probe{TCP: &TCPProbe{Port: 80}}
	for _, tc := range []struct {
		name string
		p    *Probe
		want bool
	}{
		{"exec", exec, true},
		{"tcp", tcp, false},
		{"any with exec", &Probe{Any: []*Probe{tcp, exec}}, true},
		{"all without", &Probe{All: []*Probe{tcp, {Health: true}}}, false},
	} {
		if got := tc.p.Acts(); got != tc.want {
			t.Errorf("%s: Acts() = %v, want %v", tc.name, got, tc.want)
		}
	}
}
