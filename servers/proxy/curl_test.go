package proxy

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// curl runs curl with no configuration file and no proxy from the
// environment, and returns its standard output.
func curl(t *testing.T, args ...string) (string, error) {
	t.Helper()
	path, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl not installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, append([]string{"-q", "-sS", "--max-time", "10"}, args...)...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	out, err := cmd.Output()
	return string(out), err
}

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
			out, err := curl(t, tt.args...)
			if err != nil {
				t.Fatalf("curl %s: %v (output %q)", strings.Join(tt.args, " "), err, out)
			}
			if !strings.Contains(out, tt.want) {
				t.Errorf("curl %s = %q, want it to contain %q", strings.Join(tt.args, " "), out, tt.want)
			}
		})
	}
	t.Run("CONNECT tunnel has no Via", func(t *testing.T) {
		out, err := curl(t, "-p", "-x", proxy, "http://web:80/headers")
		if err != nil || strings.Contains(out, "Via") {
			t.Errorf("curl -p = %q, %v; want no Via inside the tunnel", out, err)
		}
	})
	t.Run("CONNECT forbidden", func(t *testing.T) {
		out, err := curl(t, "-p", "-o", "/dev/null", "-w", "%{http_connect}", "-x", proxy, "http://example.com:80/")
		if err == nil || out != "403" {
			t.Errorf("curl -p forbidden = %q, %v; want CONNECT status 403 and a failure", out, err)
		}
	})
}
