package redact

import (
	"strings"
	"testing"

	"github.com/testbed-dev/testbed/spec"
)

func TestFromSpec(t *testing.T) {
	tb := &spec.Testbed{Servers: []*spec.Server{{
		Name: "app",
		Env: map[string]string{
			"DATABASE_URL": "postgres://app:s3cr3t-url@db:5432/x",
			"db_pass":      "lower-case-pw",
			"API_KEY":      `k"ey\val`,
			"HOME":         "/home/app",
		},
		Command: []string{"app", "--password=flag-pw", "--token", "next-arg-token", "--verbose"},
		Options: map[string]string{"password": "opt-pw"},
		Ready:   &spec.Probe{Any: []*spec.Probe{{Exec: &spec.ExecProbe{Command: []string{"check", "--auth", "probe-pw"}}}}},
	}}}
	r := FromSpec(tb, "extra-secret")
	for _, tc := range []struct{ in, want string }{
		{"url postgres://app:s3cr3t-url@db:5432/x", "url postgres://app:" + Mask + "@db:5432/x"},
		{"the server said s3cr3t-url twice: s3cr3t-url", "the server said " + Mask + " twice: " + Mask},
		{"lower-case-pw in a log tail", Mask + " in a log tail"},
		{`{"API_KEY": "k\"ey\\val"}`, `{"API_KEY": "` + Mask + `"}`},
		{"argv --password=flag-pw", "argv --password=" + Mask},
		{"echo next-arg-token", "echo " + Mask},
		{"opt-pw and extra-secret", Mask + " and " + Mask},
		{"exec check probe-pw", "exec check " + Mask},
		{"HOME=/home/app", "HOME=/home/app"},
		// By shape, in text no spec mentioned.
		{"connect https://u:other-pw@host/", "connect https://u:" + Mask + "@host/"},
		{"run --db-password=shape-pw now", "run --db-password=" + Mask + " now"},
		{"--Secret_Key=Q", "--Secret_Key=" + Mask},
	} {
		if got := r.String(tc.in); got != tc.want {
			t.Errorf("String(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestIsSecretName(t *testing.T) {
	for name, want := range map[string]bool{
		"PASSWORD": true, "db_pass": true, "Api_Key": true, "GITHUB_TOKEN": true, "client_secret": true,
		"passphrase": true, "HOME": false, "PATH": false, "USER": false,
	} {
		if got := IsSecretName(name); got != want {
			t.Errorf("IsSecretName(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestShortValuesNotMasked(t *testing.T) {
	r := New("on", "x")
	if got := r.String("on x"); got != "on x" {
		t.Errorf("String() = %q; values shorter than %d must stay", got, MinSecret)
	}
	if !strings.Contains(New("abc").String("abc"), Mask) {
		t.Errorf("a %d-byte secret is not masked", MinSecret)
	}
}
