package project_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/testbed-dev/testbed/project"
)

// twoServers is a spec of two busybox httpd servers, each serving a file
// copied into its image; layout varies the text, never what runs.
func twoServers(img string, layout int) string {
	if layout == 0 {
		return `servers:
  a:
    image: ` + img + `
    files: [{src: ./a.txt, dst: /w/i, mode: "0644"}]
    command: [httpd, -f, -p, "8000", -h, /w]
    ports: [8000]
  b:
    image: ` + img + `
    files: [{src: ./b.txt, dst: /w/i, mode: "0644"}]
    command: [httpd, -f, -p, "8000", -h, /w]
    ports: [8000]
    depends_on: [a]
`
	}
	return `# the same testbed, written otherwise

servers:
  # b first, keys in another order
  b:
    depends_on: [a]
    ports: [8000]

    command: [httpd, -f, -p, "8000", -h, /w]   # serve /w
    files:
      - {mode: "0644", dst: /w/i, src: ./b.txt}
    image: ` + img + `
  a:
    ports: [8000]
    command: [httpd, -f, -p, "8000", -h, /w]
    files: [{dst: /w/i, src: ./a.txt, mode: "0644"}]
    image: ` + img + `
`
}

// hashes plans the spec in dir and returns the project's and each
// server's hash.
func hashes(t *testing.T, file string) (string, map[string]string) {
	t.Helper()
	s, err := project.Load(context.Background(), project.LoadOptions{File: file, Project: "p"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := project.PlanFor(s, true, false, "", "")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, st := range p.Steps() {
		out[st.Server.Name] = st.Hash
	}
	return p.SpecHash, out
}

// The spec hash is the content of what runs: comments, blank lines and key
// order never change it; one byte of a copied file changes the hash of
// exactly the server it goes into. Planning is deterministic, so config
// prints the same bytes twice.
func TestHashIsContent(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("a.txt", "alpha\n")
	write("b.txt", "bravo\n")
	plain := write("plain.yaml", twoServers("example/busybox:1", 0))
	other := write("other.yaml", twoServers("example/busybox:1", 1))

	h0, s0 := hashes(t, plain)
	h1, s1 := hashes(t, other)
	if h0 != h1 || s0["a"] != s1["a"] || s0["b"] != s1["b"] {
		t.Errorf("hashes differ by layout: %s %v vs %s %v", h0, s0, h1, s1)
	}
	for range 5 {
		if h, _ := hashes(t, plain); h != h0 {
			t.Fatalf("hash of an unchanged spec = %s, then %s", h0, h)
		}
	}

	write("b.txt", "bravO\n") // one byte
	h2, s2 := hashes(t, plain)
	if h2 == h0 || s2["b"] == s0["b"] {
		t.Errorf("one byte of b's copied file left the hash as it was: %s %v", h2, s2)
	}
	if s2["a"] != s0["a"] {
		t.Errorf("a's hash changed with b's file: %s -> %s", s0["a"], s2["a"])
	}
	if err := os.Chmod(filepath.Join(dir, "a.txt"), 0o600); err != nil {
		t.Fatal(err)
	}
	write("plain.yaml", bytes.NewBufferString(twoServers("example/busybox:1", 0)).String())
	if _, s3 := hashes(t, plain); s3["a"] != s2["a"] {
		// The spec sets the mode, so the source's own mode does not go in.
		t.Errorf("a's hash changed with its source's mode although the spec sets the mode")
	}
}

// testbed config prints the same bytes each time, for the default testbed
// (whose FTP server has data ports) as for a spec.
func TestConfigTwiceEqual(t *testing.T) {
	b := &bed{t: t, bin: testbinary(t), dir: t.TempDir(), state: t.TempDir(), project: "cfg", driver: "docker"}
	for _, args := range [][]string{{"config"}, {"config", "--json"}, {"config", "--json", "ftp"}} {
		first := b.run(args...).must(t, "config")
		second := b.run(args...).must(t, "config again")
		if first.out != second.out || first.out == "" {
			t.Errorf("%v printed different bytes:\n%s\n---\n%s", args, first.out, second.out)
		}
	}
}
