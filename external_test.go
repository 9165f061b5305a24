package testbed_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/testbed-dev/testbed/internal/testenv"
)

// externalGoMod is a module outside the project that requires it, the way
// users do, with a replace directive to this checkout, and what `go get`
// and `go mod tidy` give such a module: testbed and, as indirect
// requirements, what testbed requires (%REQUIRE%, this module's own go.mod
// without its module line).
const externalGoMod = `module example.com/usetestbed

require github.com/testbed-dev/testbed v0.0.0

replace github.com/testbed-dev/testbed => %ROOT%

%REQUIRE%
`

// externalTest is that module's test: a shared testbed from TestMain, and
// Start with the local and the docker driver. Each records its project.
const externalTest = `package usetestbed

import (
	"io"
	"net"
	"os"
	"testing"

	testbed "github.com/testbed-dev/testbed"
)

var shared *testbed.Bed

func TestMain(m *testing.M) {
	os.Exit(testbed.Main(m, &shared, testbed.WithDriver("local"), testbed.WithServers("echo")))
}

func record(t *testing.T, bed *testbed.Bed) {
	f, err := os.OpenFile(os.Getenv("PROJECTS_FILE"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	io.WriteString(f, bed.Driver()+" "+bed.Project()+"\n")
}

func fetch(t *testing.T, bed *testbed.Bed) {
	res, err := bed.HTTPClient().Get("https://" + bed.Addr("http", "443") + "/files/hello.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if string(b) != "Hello, testbed!\n" {
		t.Fatalf("GET = %q", b)
	}
}

func TestShared(t *testing.T) {
	c, err := net.Dial("tcp", shared.Addr("echo", "7"))
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}

func TestLocal(t *testing.T) {
	bed := testbed.Start(t, testbed.WithDriver("local"))
	record(t, bed)
	fetch(t, bed)
}

func TestDocker(t *testing.T) {
	bed := testbed.Start(t, testbed.WithDriver("docker"), testbed.WithServers("http"))
	record(t, bed)
	fetch(t, bed)
}
`

// TestExternalModule: a module outside this one requires it (with a
// replace directive), calls testbed.Start with the local and the docker
// driver, passes, and leaves nothing behind: no containers, no networks,
// no temporary files. It runs `go test` offline (GOPROXY=off) on the
// module cache this module already uses.
func TestExternalModule(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go test in another module")
	}
	root := testenv.ModuleRoot(t)
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	own, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	_, require, ok := strings.Cut(string(own), "\n")
	if !ok || !strings.HasPrefix(string(own), "module ") {
		t.Fatalf("%s/go.mod does not start with its module line", root)
	}
	write("go.mod", strings.NewReplacer("%ROOT%", root, "%REQUIRE%", require).Replace(externalGoMod))
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	write("go.sum", string(sum))
	write("use_test.go", externalTest)
	if err := os.Mkdir(filepath.Join(dir, "readme"), 0o755); err != nil {
		t.Fatal(err)
	}
	write("readme/readme_test.go", readmeExample(t, root))

	goTest := func(t *testing.T, run string) []string {
		t.Helper()
		tmp, projects := t.TempDir(), filepath.Join(t.TempDir(), "projects")
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "test", "-count=1", "-v", "-run", run, ".")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly", "GOPROXY=off", "GOWORK=off", "TMPDIR="+tmp,
			"PROJECTS_FILE="+projects, "TESTBED_DRIVER=", "TESTBED_KEEP=")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			t.Fatalf("go test -run %s in the external module: %v\n%s", run, err, out.String())
		}
		if !strings.Contains(out.String(), "--- PASS: Test") {
			t.Fatalf("go test output has no passing test:\n%s", out.String())
		}
		t.Logf("go test -run %s:\n%s", run, out.String())
		entries, _ := os.ReadDir(tmp)
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), "testbed-") {
				t.Errorf("left in TMPDIR: %s", e.Name())
			}
		}
		b, err := os.ReadFile(projects)
		if err != nil {
			t.Fatalf("no project recorded: %v", err)
		}
		return strings.Fields(string(b))
	}
	t.Run("local", func(t *testing.T) {
		rec := goTest(t, "TestShared|TestLocal")
		if len(rec) != 2 || rec[0] != "local" {
			t.Errorf("recorded %v, want one local project", rec)
		}
	})
	t.Run("docker", func(t *testing.T) {
		cli := testenv.Engine(t)
		rec := goTest(t, "TestDocker")
		if len(rec) != 2 || rec[0] != "docker" {
			t.Fatalf("recorded %v, want one docker project", rec)
		}
		if left := testenv.Leftovers(t, cli, rec[1]); len(left) > 0 {
			t.Errorf("after the external test, left on the engine: %v", left)
		}
	})
	// The README's example compiles against this module as a user's would.
	t.Run("readme", func(t *testing.T) {
		cmd := exec.Command("go", "vet", "./readme")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=readonly", "GOPROXY=off", "GOWORK=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("go vet of the README's Go example: %v\n%s", err, out)
		}
	})
}

// readmeExample is the first Go code block of the README.
func readmeExample(t *testing.T, root string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "\n```go\n")
	code, _, closed := strings.Cut(rest, "\n```\n")
	if !ok || !closed {
		t.Fatal("README.md has no ```go block")
	}
	return code + "\n"
}
