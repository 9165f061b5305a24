package probe

import (
	"crypto/tls"
	"errors"
	"strings"
	"testing"

	"github.com/testbed-dev/testbed/spec"
)

// fromSpecTests has a probe of every kind, and its String().
var fromSpecTests = []struct {
	name string
	in   *spec.Probe
	want string // String() of the probe
}{
	{"tcp", &spec.Probe{TCP: &spec.TCPProbe{Port: 80}}, "tcp 80"},
	{"http", &spec.Probe{HTTP: &spec.HTTPProbe{Port: 8080, Path: "/healthz", Status: 200}}, "http GET /healthz on 8080 = 200"},
	{"http defaults", &spec.Probe{HTTP: &spec.HTTPProbe{Port: 80}}, "http GET / on 80 = 200-399"},
	{"https", &spec.Probe{HTTP: &spec.HTTPProbe{Port: 443, Path: "/?q=1", TLS: true}}, "https GET /?q=1 on 443 = 200-399"},
	{"tls", &spec.Probe{TLS: &spec.TCPProbe{Port: 443}}, "tls 443"},
	{"banner", &spec.Probe{Banner: &spec.BannerProbe{Port: 21, Expect: "^220 "}}, "banner ^220  on 21"},
	{"banner send tls", &spec.Probe{Banner: &spec.BannerProbe{Port: 6380, Send: "PING\r\n", Expect: `^\+PONG`, TLS: true}}, `banner ^\+PONG after "PING\r\n" on 6380/tls`},
	{"echo", &spec.Probe{Echo: &spec.TCPProbe{Port: 7}}, "echo 7"},
	{"exec", &spec.Probe{Exec: &spec.ExecProbe{Command: []string{"pg_isready", "-h", "", "a b"}}}, `exec ["pg_isready" "-h" "" "a b"]`},
	{"log", &spec.Probe{Log: &spec.LogProbe{Pattern: "^ready"}}, "log ^ready"},
	{"health", &spec.Probe{Health: true}, "health"},
	{"exited", &spec.Probe{Exited: true}, "exited"},
	{"all", &spec.Probe{All: []*spec.Probe{{TCP: &spec.TCPProbe{Port: 80}}, {TLS: &spec.TCPProbe{Port: 443}}}}, "all(tcp 80, tls 443)"},
	{"any nested", &spec.Probe{Any: []*spec.Probe{{Health: true}, {All: []*spec.Probe{{Echo: &spec.TCPProbe{Port: 7}}}}}}, "any(health, all(echo 7))"},
	{"any exited", &spec.Probe{Any: []*spec.Probe{{TCP: &spec.TCPProbe{Port: 80}}, {Exited: true}}}, "any(tcp 80, exited)"},
}

func TestFromSpec(t *testing.T) {
	for _, tt := range fromSpecTests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := FromSpec(tt.in, nil)
			if err != nil {
				t.Fatalf("FromSpec() = %v", err)
			}
			if got := p.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFromSpecTLSConfig(t *testing.T) {
	cfg := &tls.Config{ServerName: "web.testbed.test"}
	p, err := FromSpec(&spec.Probe{All: []*spec.Probe{
		{HTTP: &spec.HTTPProbe{Port: 443, TLS: true}},
		{TLS: &spec.TCPProbe{Port: 443}},
		{Banner: &spec.BannerProbe{Port: 993, Expect: "OK", TLS: true}},
		{HTTP: &spec.HTTPProbe{Port: 80}},
	}}, cfg)
	if err != nil {
		t.Fatalf("FromSpec() = %v", err)
	}
	cfg.ServerName = "changed.test" // FromSpec keeps its own copy
	kids := p.(*group).children
	for i, k := range kids[:3] {
		var got *tls.Config
		switch k := k.(type) {
		case *HTTP:
			got = k.Config
		case *TLS:
			got = k.Config
		case *Banner:
			got = k.Config
		}
		if got == nil || got.ServerName != "web.testbed.test" {
			t.Errorf("child %d (%s) config = %v, want a copy of the one given", i, k, got)
		}
	}
	if c := kids[3].(*HTTP).Config; c != nil {
		t.Errorf("plain http child config = %v, want nil", c)
	}
}

// FromSpec refuses what spec validation refuses, in the same words: each
// rule's full set of cases is spec's TestProbeRules; these show one of each
// kind of check, from FromSpec, and that the nesting bound is spec's.
func TestFromSpecErrors(t *testing.T) {
	deep := func(n int) *spec.Probe {
		p := &spec.Probe{TCP: &spec.TCPProbe{Port: 1}}
		for range n {
			p = &spec.Probe{All: []*spec.Probe{p}}
		}
		return p
	}
	tests := []struct {
		name string
		in   *spec.Probe
		want string
	}{
		{"nil", nil, "probe: empty probe"},
		{"empty", &spec.Probe{}, "probe: probe needs one of tcp, http, tls, banner, exec, log, health, all, any, echo, exited"},
		{"empty all", &spec.Probe{All: []*spec.Probe{}}, `probe: field "all": needs at least one probe`},
		{"two kinds", &spec.Probe{TCP: &spec.TCPProbe{Port: 80}, Health: true}, "probe: probe sets tcp and health; give exactly one"},
		{"tcp port 0", &spec.Probe{TCP: &spec.TCPProbe{}}, `probe: field "tcp.port": port 0 out of range 1-65535`},
		{"tls port", &spec.Probe{TLS: &spec.TCPProbe{Port: 65536}}, `probe: field "tls.port": port 65536 out of range 1-65535`},
		{"echo port", &spec.Probe{Echo: &spec.TCPProbe{Port: -7}}, `probe: field "echo.port": port -7 out of range`},
		{"http relative path", &spec.Probe{HTTP: &spec.HTTPProbe{Port: 80, Path: "healthz"}}, `probe: field "http.path": path "healthz" must start with /`},
		{"http absolute URL", &spec.Probe{HTTP: &spec.HTTPProbe{Port: 80, Path: "//evil.test/x"}}, `probe: field "http.path": path "//evil.test/x" must not start with //`},
		{"http fragment", &spec.Probe{HTTP: &spec.HTTPProbe{Port: 80, Path: "/a#b"}}, `probe: field "http.path": path "/a#b": character '#' must be percent-encoded`},
		{"http status", &spec.Probe{HTTP: &spec.HTTPProbe{Port: 80, Status: 42}}, `probe: field "http.status": status 42 out of range 100-599`},
		{"http status 1xx", &spec.Probe{HTTP: &spec.HTTPProbe{Port: 80, Status: 100}}, `probe: field "http.status": status 100 is informational`},
		{"banner no expect", &spec.Probe{Banner: &spec.BannerProbe{Port: 21}}, `probe: field "banner.expect": empty pattern`},
		{"banner bad regexp", &spec.Probe{Banner: &spec.BannerProbe{Port: 21, Expect: "(220"}}, `probe: field "banner.expect": invalid regular expression "(220": error parsing regexp: missing closing ): ` + "`(220`"},
		{"banner long regexp", &spec.Probe{Banner: &spec.BannerProbe{Port: 21, Expect: strings.Repeat("a", 5000)}}, `probe: field "banner.expect": pattern longer than 4096 bytes`},
		{"exec empty", &spec.Probe{Exec: &spec.ExecProbe{}}, `probe: field "exec.command": empty command`},
		{"exec no program", &spec.Probe{Exec: &spec.ExecProbe{Command: []string{"", "x"}}}, `probe: field "exec.command[0]": empty program name`},
		{"exec NUL", &spec.Probe{Exec: &spec.ExecProbe{Command: []string{"sh", "a\x00b"}}}, `probe: field "exec.command[1]": NUL character not allowed`},
		{"log empty", &spec.Probe{Log: &spec.LogProbe{}}, `probe: field "log.pattern": empty pattern`},
		{"log bad regexp", &spec.Probe{Log: &spec.LogProbe{Pattern: "a{2000}"}}, `probe: field "log.pattern": invalid regular expression "a{2000}": error parsing regexp: invalid repeat count`},
		{"all nil child", &spec.Probe{All: []*spec.Probe{{Health: true}, nil}}, `probe: field "all[1]": empty probe`},
		{"any nested field", &spec.Probe{Any: []*spec.Probe{{Health: true}, {All: []*spec.Probe{{HTTP: &spec.HTTPProbe{Port: 99999}}}}}}, `probe: field "any[1].all[0].http.port": port 99999 out of range`},
		{"all tcp and exited", &spec.Probe{All: []*spec.Probe{{TCP: &spec.TCPProbe{Port: 80}}, {Exited: true}}}, `probe: field "all[0]": needs the server running, but all[1] needs it to have exited`},
		{"too deep", deep(MaxDepth + 1), "probes nested more than 8 deep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := FromSpec(tt.in, nil)
			if err == nil {
				t.Fatalf("FromSpec() = %v, nil; want error %q", p, tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("FromSpec() = %q, want it to contain %q", err, tt.want)
			}
			if !errors.Is(err, spec.ErrInvalid) {
				t.Errorf("FromSpec() = %v, want it to match spec.ErrInvalid", err)
			}
			if verr := tt.in.CheckRunnable(); verr == nil || !strings.Contains("probe: "+verr.Error(), tt.want) {
				t.Errorf("spec CheckRunnable() = %v, want the same %q", verr, tt.want)
			}
		})
	}
	if _, err := FromSpec(deep(MaxDepth), nil); err != nil {
		t.Errorf("FromSpec(nested %d deep) = %v, want nil", MaxDepth, err)
	}
	// Binary bytes, which a spec file may not hold, are fine in Go: the
	// built-in SOCKS5 probe sends a greeting with a NUL.
	socks := &spec.Probe{Banner: &spec.BannerProbe{Port: 1080, Send: "\x05\x01\x00", Expect: "^\x05\x00"}}
	if _, err := FromSpec(socks, nil); err != nil {
		t.Errorf("FromSpec(binary banner) = %v, want nil", err)
	}
}

// Every kind in spec's table is built (TestFromSpec has one of each), and
// Describe is the built probe's String.
func TestFromSpecEveryKind(t *testing.T) {
	covered := map[string]bool{}
	for _, tt := range fromSpecTests {
		for _, k := range tt.in.Kinds() {
			covered[k.Name] = true
		}
	}
	for _, name := range spec.ProbeKindNames() {
		if !covered[name] {
			t.Errorf("kind %s has no case in fromSpecTests", name)
		}
	}
	for _, tt := range fromSpecTests {
		if got := Describe(tt.in); got != tt.want {
			t.Errorf("Describe(%s) = %q, want %q", tt.name, got, tt.want)
		}
	}
	if got := Describe(nil); got != "running" {
		t.Errorf("Describe(nil) = %q, want running", got)
	}
	if got := Describe(&spec.Probe{TCP: &spec.TCPProbe{}}); got != `probe: field "tcp.port": port 0 out of range 1-65535` {
		t.Errorf("Describe(invalid) = %q, want its error", got)
	}
}
