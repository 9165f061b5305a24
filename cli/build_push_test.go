package cli_test

import (
	"bytes"
	"context"
	"io"
	"log"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/testbed-dev/testbed/cli"
	"github.com/testbed-dev/testbed/image"
	"github.com/testbed-dev/testbed/internal/testenv"
	"github.com/testbed-dev/testbed/project"
)

// pushRegistry is an in-memory registry on 127.0.0.1, and the
// environment build --push reads: the server binary, and no credentials
// of whoever runs the test.
func pushRegistry(t *testing.T) (host string) {
	t.Helper()
	t.Setenv(image.BinaryEnv, testenv.Binary(t))
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// build --push makes the built-in image and pushes it with no Docker
// engine (DOCKER_HOST names nothing), prints the reference with its digest
// and the TESTBED_K8S_IMAGE hint, under the tag the docker driver gives
// the image; a second push prints the same.
func TestBuildPushWithoutDocker(t *testing.T) {
	repo := pushRegistry(t) + "/testbed"
	b := newLocalBed(t)
	r := b.run("--progress", "plain", "build", "--push", repo).must(t, "build --push")
	t.Logf("stdout:\n%sstderr:\n%s", r.out, r.err)
	line := regexp.MustCompile(`^builtin\t(` + regexp.QuoteMeta(repo) + `/builtin:([0-9a-f]{16}))@(sha256:[0-9a-f]{64})\n$`)
	m := line.FindStringSubmatch(r.out)
	if m == nil {
		t.Fatalf("build --push printed %q, want builtin<TAB>%s/builtin:<hash>@sha256:<digest>", r.out, repo)
	}
	pinned := strings.TrimPrefix(strings.TrimSuffix(r.out, "\n"), "builtin\t")
	if !strings.Contains(r.err, "testbed: use it with: export TESTBED_K8S_IMAGE="+pinned+"\n") {
		t.Errorf("stderr = %q, want the TESTBED_K8S_IMAGE hint", r.err)
	}
	if !regexp.MustCompile(`builtin +pushing +` + regexp.QuoteMeta(m[1]) + "\n").MatchString(r.err) {
		t.Errorf("stderr = %q, want the push in the progress", r.err)
	}

	// The tag and the config are the docker driver's.
	img, err := project.BuiltinImage(t.Context(), project.BuiltinImageOptions{Version: cli.Version})
	if err != nil {
		t.Fatal(err)
	}
	if want := img.TagIn(repo); m[1] != want {
		t.Errorf("pushed %s, want %s (the docker driver's tag %s)", m[1], want, img.Tag())
	}
	ref, err := name.NewDigest(pinned)
	if err != nil {
		t.Fatal(err)
	}
	pulled, err := remote.Image(ref, remote.WithContext(t.Context()))
	if err != nil {
		t.Fatalf("pull %s: %v", ref, err)
	}
	if id, err := pulled.ConfigName(); err != nil || id.Hex != img.Hash() {
		t.Errorf("config digest = %v, %v; want the docker image ID %s", id, err, img.Hash())
	}

	// --insecure changes nothing for a registry on 127.0.0.1, which gets
	// plain HTTP anyway.
	again := b.run("--progress", "quiet", "build", "--push", repo, "--insecure").must(t, "second build --push")
	if again.out != r.out || again.err != "" {
		t.Errorf("second build --push: stdout %q, stderr %q; want %q and nothing (quiet)", again.out, again.err, r.out)
	}
}

// What build --push cannot do is refused with exit 2 before anything is
// built or sent; a registry that is not there fails it with exit 1 and
// the repository named.
func TestBuildPushRefused(t *testing.T) {
	host := pushRegistry(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String() + "/testbed"
	l.Close()
	b := newLocalBed(t)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"build", "--push", "UPPER/Case::"}, 2, `repository "UPPER/Case::" names no registry`},
		{[]string{"build", "--push", host + "/UPPER"}, 2, "want REGISTRY/PATH with no tag, e.g. 127.0.0.1:5000/testbed"},
		{[]string{"build", "--push", host + "/testbed", "--arch", "x86_64"}, 2, `--arch "x86_64": want one of amd64, arm64`},
		{[]string{"build", "--push", host + "/testbed", "http"}, 2, "pushes the built-in image only"},
		{[]string{"build", "--arch", "arm64"}, 2, "--arch and --insecure go with --push"},
		{[]string{"build", "--push", closed}, 1, "push the built-in image to " + closed + ": "},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := b.run(tc.args...)
			if r.code != tc.code || !strings.Contains(r.err, tc.want) || r.out != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d saying %q", r.code, r.out, r.err, tc.code, tc.want)
			}
		})
	}
}

// Where a Docker engine answers, the image `testbed build` loads into it
// has the tag build --push gave the registry's.
func TestBuildPushSameTagAsEngine(t *testing.T) {
	testenv.Engine(t)
	repo := pushRegistry(t) + "/testbed"
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	run := func(args ...string) string {
		cmd := exec.CommandContext(ctx, testenv.Binary(t), append([]string{"--progress", "quiet"}, args...)...)
		cmd.Dir = t.TempDir()
		cmd.Env = append(os.Environ(), "TESTBED_DRIVER=")
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("testbed %v: %v\n%s", args, err, errb.String())
		}
		return out.String()
	}
	built := run("build")
	_, engineTag, ok := strings.Cut(strings.SplitN(built, "\n", 2)[0], "\t")
	if !ok || !strings.HasPrefix(engineTag, "testbed/builtin:") {
		t.Fatalf("build printed %q, want a built-in server and its image first", built)
	}
	pushed := run("build", "--push", repo)
	if want := "builtin\t" + repo + "/" + strings.TrimPrefix(engineTag, "testbed/") + "@"; !strings.HasPrefix(pushed, want) {
		t.Errorf("build --push printed %q, want %q...: the engine's tag", pushed, want)
	}
}
