package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A compose file named neither compose.yaml nor docker-compose.yml is read
// as compose by its content, not refused as a native spec without servers.
func TestConfigReadsComposeFileByContent(t *testing.T) {
	b := newLocalBed(t)
	stack := "services:\n  web:\n    image: example/web:1\n    ports: [\"8080:80\"]\n"
	if err := os.WriteFile(filepath.Join(b.dir, "stack.yml"), []byte(stack), 0o644); err != nil {
		t.Fatal(err)
	}
	r := b.run("-f", "stack.yml", "config").must(t, "config")
	for _, want := range []string{"stack.yml (compose)", "\n  web\n", "image      example/web:1", "80/tcp->127.0.0.1:8080"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("config of stack.yml lacks %q:\n%s", want, r.out)
		}
	}

	// The same content under a native name stays native, fails with exit 2,
	// and says it looks like a compose file.
	if err := os.WriteFile(filepath.Join(b.dir, "testbed.yaml"), []byte(stack), 0o644); err != nil {
		t.Fatal(err)
	}
	r = b.run("config")
	if r.code != 2 || !strings.Contains(r.err, `testbed.yaml:1: this looks like a compose file`) || !strings.Contains(r.err, "rename it") {
		t.Errorf("config of a compose file named testbed.yaml = exit %d, %q; want 2 saying it looks like a compose file", r.code, r.err)
	}
}
