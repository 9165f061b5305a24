package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Exit codes and the messages of commands that would otherwise do nothing
// without a word (issue 13).

func TestExitCodeUnknownCommand(t *testing.T) {
	r := runInProcess("bogus")
	if r.code != 2 || !strings.Contains(r.err, `unknown command "bogus"`) {
		t.Errorf("testbed bogus = exit %d, %q; want 2 naming the command", r.code, r.err)
	}
}

func TestRunExitCodesLikeAShell(t *testing.T) {
	dir := t.TempDir()
	noexec := filepath.Join(dir, "noexec")
	if err := os.WriteFile(noexec, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	for _, tt := range []struct {
		argv string
		code int
		want string
	}{
		{"/nonexistent", 127, "/nonexistent: no such file or directory"},
		{"testbed-no-such-command", 127, "command not found"},
		{noexec, 126, "permission denied"},
	} {
		r := runInProcess("--driver", "local", "--state-dir", state, "-p", "e2e-runcodes", "run", "--", tt.argv)
		if r.code != tt.code || !strings.Contains(r.err, tt.want) {
			t.Errorf("run -- %s = exit %d, %q; want %d saying %q", tt.argv, r.code, r.err, tt.code, tt.want)
		}
		if strings.Contains(r.err, "creating") {
			t.Errorf("run -- %s brought servers up for a command it cannot run:\n%s", tt.argv, r.err)
		}
	}
}

func TestRunQuietPrintsNoTable(t *testing.T) {
	r := runInProcess("--driver", "local", "--state-dir", t.TempDir(), "-p", "e2e-runquiet", "--progress", "quiet", "run", "echo", "--", "true")
	if r.code != 0 {
		t.Fatalf("run --progress quiet = exit %d\n%s", r.code, r.err)
	}
	if r.err != "" || r.out != "" {
		t.Errorf("run --progress quiet printed:\nstdout: %q\nstderr: %q", r.out, r.err)
	}
}

func TestDownAndPsOfAnUnknownProject(t *testing.T) {
	for _, driver := range []string{"local", "auto"} {
		state := t.TempDir()
		down := runInProcess("--driver", driver, "--state-dir", state, "-p", "e2e-typo", "down")
		if down.code != 0 || !strings.Contains(down.err, "nothing by the name e2e-typo exists") || strings.Contains(down.err, "is down") {
			t.Errorf("%s: down -p e2e-typo = exit %d, %q; want 0 saying nothing by that name exists", driver, down.code, down.err)
		}
		ps := runInProcess("--driver", driver, "--state-dir", state, "-p", "e2e-typo", "ps")
		if ps.code != 0 || !strings.Contains(ps.err, "nothing by the name e2e-typo is up") || ps.out != "" {
			t.Errorf("%s: ps -p e2e-typo = exit %d, stdout %q, stderr %q; want 0 saying nothing by that name is up", driver, ps.code, ps.out, ps.err)
		}
		js := runInProcess("--driver", driver, "--state-dir", state, "-p", "e2e-typo", "ps", "--json")
		if strings.TrimSpace(js.out) != "[]" {
			t.Errorf("%s: ps --json of an unknown project = %q, want []", driver, js.out)
		}
	}
}

func TestEnvFromAnotherStateDir(t *testing.T) {
	b := newBed(t)
	spec := b.write("testbed.yaml", "servers:\n  e:\n    builtin: echo\n", 0o644)
	b.run("-f", spec, "up").must(t, "up")
	other := t.TempDir()
	up := b.run("--state-dir", other, "-f", spec, "up")
	env := b.run("--state-dir", other, "env")
	for name, r := range map[string]result{"up": up, "env": env} {
		if r.code != 2 || !strings.Contains(r.err, "recorded in another state directory") {
			t.Errorf("%s from another state dir = exit %d, %q; want 2 saying recorded in another state directory", name, r.code, r.err)
		}
	}
	if _, err := os.Stat(filepath.Join(other, b.project)); err == nil {
		t.Errorf("env from another state dir wrote %s", filepath.Join(other, b.project))
	}
	b.run("env").must(t, "env from the state dir that brought it up")
}

func TestAutoWithDeadEngineAndAnImage(t *testing.T) {
	t.Setenv("DOCKER_HOST", "tcp://127.0.0.1:1")
	dir := t.TempDir()
	spec := filepath.Join(dir, "testbed.yaml")
	if err := os.WriteFile(spec, []byte("servers:\n  app:\n    image: example/app:1.2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runInProcess("--driver", "auto", "--state-dir", t.TempDir(), "-p", "e2e-deadengine", "-f", spec, "up")
	if r.code != 1 || !strings.Contains(r.err, "engine unreachable at tcp://127.0.0.1:1") || !strings.Contains(r.err, "app") {
		t.Errorf("up with a dead DOCKER_HOST = exit %d, %q; want 1 saying the engine is unreachable at tcp://127.0.0.1:1", r.code, r.err)
	}
}

func TestConfigPrintsNoControlBytes(t *testing.T) {
	text := runInProcess("config")
	if text.code != 0 {
		t.Fatalf("config = exit %d\n%s", text.code, text.err)
	}
	for i, r := range text.out {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f {
			t.Fatalf("config prints the control byte %#x at %d (grep would call it binary):\n%s", r, i, text.out)
		}
	}
	if !strings.Contains(text.out, `\x05`) {
		t.Errorf("config does not show the socks probe's bytes escaped as \\x05:\n%s", text.out)
	}
	js := runInProcess("config", "--json")
	if strings.Contains(js.out, `\u003e`) || !strings.Contains(js.out, "80/tcp->127.0.0.1") {
		t.Errorf("config --json escapes -> (or lost it):\n%s", js.out)
	}
}

func TestLogsDashFIsNotFollow(t *testing.T) {
	r := runInProcess("--driver", "local", "--state-dir", t.TempDir(), "logs", "-f", "http")
	if r.code != 2 || !strings.Contains(r.err, "testbed logs --follow http") {
		t.Errorf("logs -f http = exit %d, %q; want 2 pointing at --follow", r.code, r.err)
	}
	help := runInProcess("--help")
	if !strings.Contains(help.out, "testbed.yml") {
		t.Errorf("--help does not mention testbed.yml:\n%s", help.out)
	}
}
