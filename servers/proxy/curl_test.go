package proxy

import (
	"strings"
	"testing"

	"github.com/testbed-dev/testbed/servers/internal/servertest"
)

func TestCurl(t *testing.T) {
	e := newEnv(t, Options{User: "foo", Password: "bar"})
	proxy := "http://foo:bar@" + e.proxyAddr
	tests := []struct {
		name string
		args []string
		want string // a substring of curl's output
	}{
		{"absolute URI", []string{"-x", proxy, "http://web:80/headers"}, `"Via":["1.1 testbed"]`},
		{"fqdn", []string{"-x", proxy, "http://web.testbed.test/headers"}, `"host":"web.testbed.test"`},
		{"CONNECT tunnel", []string{"-p", "-x", proxy, "http://web:80/headers"}, `"method":"GET"`},
		{"POST", []string{"-x", proxy, "--data-binary", "hello", "http://web/echo"}, "hello"},
		{"wrong password", []string{"-o", "/dev/null", "-w", "%{http_code}", "-x", "http://foo:wrong@" + e.proxyAddr, "http://web/headers"}, "407"},
		{"forbidden", []string{"-o", "/dev/null", "-w", "%{http_code}", "-x", proxy, "http://example.com/"}, "403"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := servertest.Curl(t, tt.args...)
			if err != nil {
				t.Fatalf("curl %s: %v (output %q)", strings.Join(tt.args, " "), err, out)
			}
			if !strings.Contains(out, tt.want) {
				t.Errorf("curl %s = %q, want it to contain %q", strings.Join(tt.args, " "), out, tt.want)
			}
		})
	}
	t.Run("CONNECT tunnel has no Via", func(t *testing.T) {
		out, err := servertest.Curl(t, "-p", "-x", proxy, "http://web:80/headers")
		if err != nil || strings.Contains(out, "Via") {
			t.Errorf("curl -p = %q, %v; want no Via inside the tunnel", out, err)
		}
	})
	t.Run("CONNECT forbidden", func(t *testing.T) {
		out, err := servertest.Curl(t, "-p", "-o", "/dev/null", "-w", "%{http_connect}", "-x", proxy, "http://example.com:80/")
		if err == nil || out != "403" {
			t.Errorf("curl -p forbidden = %q, %v; want CONNECT status 403 and a failure", out, err)
		}
	})
}
