package probe

import (
	"crypto/tls"
	"strings"
	"testing"

	"github.com/testbed-dev/testbed/spec"
)

func TestFromSpec(t *testing.T) {
	tests := []struct {
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
		{"exec", &spec.Probe{Exec: &spec.ExecProbe{Command: []string{"pg_isready", "-h", "", "a b"}}}, `exec pg_isready -h "" "a b"`},
		{"log", &spec.Probe{Log: &spec.LogProbe{Pattern: "^ready"}}, "log ^ready"},
		{"health", &spec.Probe{Health: true}, "health"},
		{"exited", &spec.Probe{Exited: true}, "exited"},
		{"all", &spec.Probe{All: []*spec.Probe{{TCP: &spec.TCPProbe{Port: 80}}, {TLS: &spec.TCPProbe{Port: 443}}}}, "all(tcp 80, tls 443)"},
		{"any nested", &spec.Probe{Any: []*spec.Probe{{Health: true}, {All: []*spec.Probe{{Echo: &spec.TCPProbe{Port: 7}}}}}}, "any(health, all(echo 7))"},
	}
	for _, tt := range tests {
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

func TestFromSpecErrors(t *testing.T) {
	deep := &spec.Probe{TCP: &spec.TCPProbe{Port: 1}}
	for range MaxDepth + 1 {
		deep = &spec.Probe{All: []*spec.Probe{deep}}
	}
	tests := []struct {
		name string
		in   *spec.Probe
		want string
	}{
		{"nil", nil, "probe: no probe"},
		{"empty", &spec.Probe{}, "probe: no kind set (want one of tcp, http, tls, banner, exec, log, health, all, any, echo, exited)"},
		{"empty all", &spec.Probe{All: []*spec.Probe{}}, "probe: no kind set"},
		{"two kinds", &spec.Probe{TCP: &spec.TCPProbe{Port: 80}, Health: true}, "probe: tcp, health all set (want exactly one kind)"},
		{"tcp port 0", &spec.Probe{TCP: &spec.TCPProbe{}}, "probe: tcp.port: 0 is out of range 1-65535"},
		{"tls port", &spec.Probe{TLS: &spec.TCPProbe{Port: 65536}}, "probe: tls.port: 65536 is out of range 1-65535"},
		{"echo port", &spec.Probe{Echo: &spec.TCPProbe{Port: -7}}, "probe: echo.port: -7 is out of range"},
		{"http port", &spec.Probe{HTTP: &spec.HTTPProbe{Port: 70000}}, "probe: http.port: 70000 is out of range"},
		{"http relative path", &spec.Probe{HTTP: &spec.HTTPProbe{Port: 80, Path: "healthz"}}, `probe: http.path: "healthz" does not start with a single /`},
		{"http absolute URL", &spec.Probe{HTTP: &spec.HTTPProbe{Port: 80, Path: "//evil.test/x"}}, `probe: http.path: "//evil.test/x" does not start with a single /`},
		{"http bad escape", &spec.Probe{HTTP: &spec.HTTPProbe{Port: 80, Path: "/%zz"}}, `probe: http.path: parse "/%zz": invalid URL escape`},
		{"http control byte", &spec.Probe{HTTP: &spec.HTTPProbe{Port: 80, Path: "/a\nb"}}, `probe: http.path: parse "/a\nb": net/url: invalid control character in URL`},
		{"http fragment", &spec.Probe{HTTP: &spec.HTTPProbe{Port: 80, Path: "/a#b"}}, `probe: http.path: "/a#b" has a fragment`},
		{"http status", &spec.Probe{HTTP: &spec.HTTPProbe{Port: 80, Status: 42}}, "probe: http.status: 42 is not an HTTP status (100-599)"},
		{"http status 1xx", &spec.Probe{HTTP: &spec.HTTPProbe{Port: 80, Status: 100}}, "probe: http.status: 100 is an informational status"},
		{"banner no expect", &spec.Probe{Banner: &spec.BannerProbe{Port: 21}}, "probe: banner.expect: empty"},
		{"banner bad regexp", &spec.Probe{Banner: &spec.BannerProbe{Port: 21, Expect: "(220"}}, "probe: banner.expect: error parsing regexp: missing closing ): `(220`"},
		{"banner port", &spec.Probe{Banner: &spec.BannerProbe{Expect: "x"}}, "probe: banner.port: 0 is out of range"},
		{"exec empty", &spec.Probe{Exec: &spec.ExecProbe{}}, "probe: exec.command: empty"},
		{"exec no program", &spec.Probe{Exec: &spec.ExecProbe{Command: []string{"", "x"}}}, "probe: exec.command[0]: empty program name"},
		{"exec NUL", &spec.Probe{Exec: &spec.ExecProbe{Command: []string{"sh", "a\x00b"}}}, "probe: exec.command[1]: contains a NUL byte"},
		{"log empty", &spec.Probe{Log: &spec.LogProbe{}}, "probe: log.pattern: empty"},
		{"log bad regexp", &spec.Probe{Log: &spec.LogProbe{Pattern: "a{2000}"}}, "probe: log.pattern: error parsing regexp: invalid repeat count"},
		{"all nil child", &spec.Probe{All: []*spec.Probe{{Health: true}, nil}}, "probe: all[1]: no probe"},
		{"any nested field", &spec.Probe{Any: []*spec.Probe{{Health: true}, {All: []*spec.Probe{{HTTP: &spec.HTTPProbe{Port: 99999}}}}}}, "probe: any[1].all[0].http.port: 99999 is out of range"},
		{"too deep", deep, "nested deeper than 16"},
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
		})
	}
}
