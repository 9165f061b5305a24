package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// config --json shows each server's probe in the words the plan's text,
// progress lines and readiness errors use (probe.Describe).
func TestConfigJSONDescribesProbe(t *testing.T) {
	b := newLocalBed(t)
	spec := "servers:\n  app:\n    image: example/app:1\n    ready:\n      any:\n        - http: {port: 8080, path: /healthz}\n        - exec: [check, --full]\n        - health: true\n        - exited: true\n"
	if err := os.WriteFile(filepath.Join(b.dir, "testbed.yaml"), []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	r := b.run("config", "--json").must(t, "config")
	var out struct {
		Servers []struct{ Name, Ready string }
	}
	if err := json.Unmarshal([]byte(r.out), &out); err != nil {
		t.Fatalf("config --json printed %q: %v", r.out, err)
	}
	want := `any(http GET /healthz on 8080 = 200-399, exec ["check" "--full"], health, exited)`
	if len(out.Servers) != 1 || out.Servers[0].Ready != want {
		t.Errorf("config --json servers = %+v, want app ready %q", out.Servers, want)
	}
}
