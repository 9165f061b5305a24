package push_test

import (
	"archive/tar"
	"bytes"
	"encoding/base64"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/testbed-dev/testbed/image"
	"github.com/testbed-dev/testbed/image/push"
)

// tinyBinary builds a small static Linux program, the stand-in for the
// server binary.
func tinyBinary(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for file, body := range map[string]string{
		"main.go": "package main\n\nfunc main() { println(\"testbed\") }\n",
		"go.mod":  "module tiny\n\ngo 1.26\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, file), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(dir, "tiny")
	cmd := exec.Command("go", "build", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH, "GOFLAGS=", "GOWORK=off")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build tiny: %v\n%s", err, b)
	}
	return out
}

// registryServer is ggcr's in-memory registry on 127.0.0.1, counting the
// requests it gets and the blob uploads among them. With user set, it
// wants that user and password (basic auth) on every request.
type registryServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests int
	uploads  int
}

func newRegistry(t *testing.T, user, password string) *registryServer {
	t.Helper()
	r := &registryServer{}
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		r.requests++
		if strings.Contains(req.URL.Path, "/blobs/uploads/") && req.Method != http.MethodGet {
			r.uploads++
		}
		r.mu.Unlock()
		if user != "" {
			if u, p, ok := req.BasicAuth(); !ok || u != user || p != password {
				w.Header().Set("WWW-Authenticate", `Basic realm="testbed"`)
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
		}
		reg.ServeHTTP(w, req)
	}))
	t.Cleanup(r.Close)
	return r
}

// host is the registry's host:port.
func (r *registryServer) host() string { return strings.TrimPrefix(r.URL, "http://") }

func (r *registryServer) counts() (requests, uploads int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests, r.uploads
}

// noDockerConfig points the default keychain at an empty directory, so a
// test never reads the credentials of whoever runs it.
func noDockerConfig(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
}

// The pushed image, pulled back, is the docker driver's: same config and
// ID, entrypoint /testbed, user 65534:65534, one layer holding the binary
// as testbed (0755), under the docker tag's hash. A second push sends no
// blob and gives the same digest.
func TestBuiltinPushAndPullBack(t *testing.T) {
	noDockerConfig(t)
	bin := tinyBinary(t)
	img, err := image.NewBuiltinImage(bin, map[string]string{"testbed.image": "builtin", "testbed.version": "test"})
	if err != nil {
		t.Fatal(err)
	}
	reg := newRegistry(t, "", "")
	repo := reg.host() + "/testbed"
	res, err := push.Builtin(t.Context(), img, push.Options{Repository: repo})
	if err != nil {
		t.Fatalf("Builtin() = %v", err)
	}
	_, hash, _ := strings.Cut(img.Tag(), ":")
	if want := repo + "/builtin:" + hash; res.Reference != want {
		t.Errorf("Reference = %q, want %q (the docker tag's hash)", res.Reference, want)
	}
	if !strings.HasPrefix(res.Digest, "sha256:") || res.String() != res.Reference+"@"+res.Digest {
		t.Errorf("Result = %+v, %q; want a sha256 digest and REF@DIGEST", res, res)
	}

	ref, err := name.NewDigest(res.String())
	if err != nil {
		t.Fatal(err)
	}
	pulled, err := remote.Image(ref, remote.WithContext(t.Context()))
	if err != nil {
		t.Fatalf("pull %s: %v", ref, err)
	}
	if id, err := pulled.ConfigName(); err != nil || id.Hex != img.Hash() {
		t.Errorf("config digest = %v, %v; want the image ID %s", id, err, img.Hash())
	}
	cfg, err := pulled.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Config.Entrypoint; len(got) != 1 || got[0] != "/testbed" {
		t.Errorf("Entrypoint = %q, want [/testbed]", got)
	}
	if cfg.Config.User != "65534:65534" || cfg.OS != "linux" || cfg.Architecture != runtime.GOARCH {
		t.Errorf("User, OS, Architecture = %q, %q, %q; want 65534:65534, linux, %s", cfg.Config.User, cfg.OS, cfg.Architecture, runtime.GOARCH)
	}
	if cfg.Config.Labels["testbed.version"] != "test" {
		t.Errorf("Labels = %v, want the ones given", cfg.Config.Labels)
	}
	layers, err := pulled.Layers()
	if err != nil || len(layers) != 1 {
		t.Fatalf("Layers() = %d layers, %v; want 1", len(layers), err)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	h, err := tr.Next()
	if err != nil {
		t.Fatalf("layer: %v", err)
	}
	body, err := io.ReadAll(tr)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if h.Name != "testbed" || h.Mode != 0o755 || h.Uid != 0 || !bytes.Equal(body, want) {
		t.Errorf("layer entry %q mode %o uid %d, %d bytes (equal: %v); want testbed 0755 root with the binary's %d bytes",
			h.Name, h.Mode, h.Uid, len(body), bytes.Equal(body, want), len(want))
	}
	if _, err := tr.Next(); err != io.EOF {
		t.Errorf("layer: more than one entry (%v)", err)
	}

	_, uploads := reg.counts()
	again, err := push.Builtin(t.Context(), img, push.Options{Repository: repo})
	if err != nil {
		t.Fatalf("second Builtin() = %v", err)
	}
	if again != res {
		t.Errorf("second push = %s, want %s", again, res)
	}
	if _, after := reg.counts(); after != uploads {
		t.Errorf("second push uploaded %d blob(s), want none", after-uploads)
	}
}

// The default keychain reads the registry's credentials where docker login
// writes them ($DOCKER_CONFIG/config.json).
func TestBuiltinPushWithCredentials(t *testing.T) {
	img, err := image.NewBuiltinImage(tinyBinary(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	reg := newRegistry(t, "tester", "s3cret")
	repo := reg.host() + "/testbed"
	noDockerConfig(t)
	if _, err := push.Builtin(t.Context(), img, push.Options{Repository: repo}); err == nil || !strings.Contains(err.Error(), repo) {
		t.Fatalf("Builtin() without credentials = %v, want an error naming %s", err, repo)
	}
	dir := t.TempDir()
	config := `{"auths": {"` + reg.host() + `": {"auth": "` + base64.StdEncoding.EncodeToString([]byte("tester:s3cret")) + `"}}}`
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", dir)
	if _, err := push.Builtin(t.Context(), img, push.Options{Repository: repo}); err != nil {
		t.Fatalf("Builtin() with credentials in config.json = %v", err)
	}
}

// A registry that does not answer fails the push, quickly, with an error
// that names the repository; no goroutine is left behind.
func TestBuiltinPushRefused(t *testing.T) {
	noDockerConfig(t)
	img, err := image.NewBuiltinImage(tinyBinary(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	repo := l.Addr().String() + "/testbed"
	l.Close()
	before := runtime.NumGoroutine()
	start := time.Now()
	_, err = push.Builtin(t.Context(), img, push.Options{Repository: repo})
	if err == nil || !strings.Contains(err.Error(), "push the built-in image to "+repo+": ") {
		t.Fatalf("Builtin() to a closed port = %v, want an error naming %s", err, repo)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("Builtin() took %v to fail", d)
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after the push, %d before", n, before)
	}
}

// A repository that is not one is refused with what is wrong and what is
// wanted, before any request reaches the registry.
func TestBuiltinPushBadRepository(t *testing.T) {
	noDockerConfig(t)
	img, err := image.NewBuiltinImage(tinyBinary(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	reg := newRegistry(t, "", "")
	for _, tc := range []struct{ repo, want string }{
		{"UPPER/Case::", "names no registry"},
		{"", "names no registry"},
		{"testbed", "names no registry"},
		{"me/testbed", "names no registry"},
		{reg.host() + "/UPPER/Case::", "want REGISTRY/PATH"},
		{reg.host() + "/testbed:v1", "want REGISTRY/PATH"},
		{reg.host() + "/testbed@sha256:" + strings.Repeat("0", 64), "want REGISTRY/PATH"},
		{reg.host() + "/testbed/", "want REGISTRY/PATH"},
		{reg.host() + "//testbed", "want REGISTRY/PATH"},
	} {
		t.Run(tc.repo, func(t *testing.T) {
			err := push.CheckRepository(tc.repo)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "e.g. 127.0.0.1:5000/testbed") {
				t.Errorf("CheckRepository(%q) = %v, want an error saying %q and an example", tc.repo, err, tc.want)
			}
			_, err = push.Builtin(t.Context(), img, push.Options{Repository: tc.repo})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Builtin(%q) = %v, want an error saying %q", tc.repo, err, tc.want)
			}
		})
	}
	if n, _ := reg.counts(); n != 0 {
		t.Errorf("the registry got %d request(s), want none", n)
	}
	for _, ok := range []string{"127.0.0.1:5000/testbed", "localhost/testbed", "registry.example/a/b", "docker.io/me/testbed"} {
		if err := push.CheckRepository(ok); err != nil {
			t.Errorf("CheckRepository(%q) = %v, want nil", ok, err)
		}
	}
}

// A binary that changes between the image's description and its push
// fails the push rather than sending another binary under the old tag.
func TestBuiltinPushBinaryChanged(t *testing.T) {
	noDockerConfig(t)
	bin := filepath.Join(t.TempDir(), "testbed")
	b, err := os.ReadFile(tinyBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	img, err := image.NewBuiltinImage(bin, nil)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-1] ^= 0xff
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	reg := newRegistry(t, "", "")
	_, err = push.Builtin(t.Context(), img, push.Options{Repository: reg.host() + "/testbed"})
	if err == nil || !strings.Contains(err.Error(), "changed since it was hashed") {
		t.Fatalf("Builtin() of a changed binary = %v, want it refused", err)
	}
}
