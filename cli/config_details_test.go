package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// config (text and --json) shows every field of a compose service that
// reaches the engine, secrets redacted, and prints the same bytes twice.
func TestConfigShowsEngineFields(t *testing.T) {
	b := newLocalBed(t)
	shared := filepath.Join(b.dir, "shared")
	if err := os.MkdirAll(filepath.Join(b.dir, "ctx"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(shared, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(shared, "Dockerfile"), []byte("FROM busybox AS base\nFROM base AS final\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stack := `services:
  web:
    build:
      context: ./ctx
      dockerfile: ../shared/Dockerfile
      target: base
      args: {SERVICE: apache2, API_TOKEN: hunter2secret}
    platform: linux/amd64
    entrypoint: ["/bin/busybox"]
    command: ["httpd", "-f"]
    user: "1000:1000"
    cap_add: [NET_ADMIN]
    labels: {team: qa}
    hostname: apache2
    domainname: test-net.qt.local
    extra_hosts: ["db.example:10.1.2.3"]
    expose: ["8080"]
    volumes: [data:/data]
    healthcheck:
      test: ["CMD", "true"]
      interval: 2s
      timeout: 3s
      start_period: 7s
    deploy:
      resources:
        limits: {memory: 64M, cpus: "0.5", pids: 50}
volumes:
  data: {}
`
	if err := os.WriteFile(filepath.Join(b.dir, "docker-compose.yml"), []byte(stack), 0o644); err != nil {
		t.Fatal(err)
	}
	r := b.run("-f", "docker-compose.yml", "config").must(t, "config")
	for _, want := range []string{
		`entrypoint ["/bin/busybox"]`, `command    ["httpd" "-f"]`, "user       1000:1000", "cap add    NET_ADMIN",
		"labels     team=qa", "build args API_TOKEN=********", "SERVICE=apache2", "target     base",
		"platform   linux/amd64", "extra hosts db.example:10.1.2.3", "limits     memory 67108864 bytes, cpus 0.5, pids 50",
		"host name  apache2 (domain test-net.qt.local)", `healthcheck ["CMD" "true"] every `, "timeout 3s, start period 7s",
		"expose     8080/tcp", "volumes    volume data:/data", filepath.Join(shared, "Dockerfile"),
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("config lacks %q:\n%s", want, r.out)
		}
	}
	if strings.Contains(r.out, "hunter2secret") || strings.Contains(r.out, "8080/tcp->") {
		t.Errorf("config shows a secret or publishes an expose port:\n%s", r.out)
	}
	if again := b.run("-f", "docker-compose.yml", "config").must(t, "config"); again.out != r.out {
		t.Errorf("config printed different bytes the second time")
	}
	j := b.run("-f", "docker-compose.yml", "config", "--json").must(t, "config --json")
	var got struct {
		Servers []struct {
			Details map[string]string `json:"details"`
		} `json:"servers"`
	}
	if err := json.Unmarshal([]byte(j.out), &got); err != nil {
		t.Fatalf("config --json: %v\n%s", err, j.out)
	}
	if len(got.Servers) != 1 || got.Servers[0].Details["target"] != "base" || got.Servers[0].Details["expose"] != "8080/tcp" {
		t.Errorf("config --json details = %+v", got.Servers)
	}
	if strings.Contains(j.out, "hunter2secret") {
		t.Errorf("config --json shows a secret")
	}
	if again := b.run("-f", "docker-compose.yml", "config", "--json").must(t, "config --json"); again.out != j.out {
		t.Errorf("config --json printed different bytes the second time")
	}
}
