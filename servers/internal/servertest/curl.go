package servertest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Curl runs curl with args and returns its standard output. curl reads no
// configuration file and sees no proxy setting (its environment holds only
// PATH and a new HOME), and gives up after 15 seconds. The error of a failed
// run carries curl's standard error. The test is skipped when curl is not
// installed.
func Curl(t testing.TB, args ...string) (string, error) {
	t.Helper()
	path, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl not installed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, append([]string{"-q", "-sS", "--max-time", "15"}, args...)...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		err = fmt.Errorf("%w: %s", err, bytes.TrimSpace(stderr.Bytes()))
	}
	return string(out), err
}

// CurlOK is [Curl] for runs that must succeed: it fails the test otherwise.
func CurlOK(t testing.TB, args ...string) string {
	t.Helper()
	out, err := Curl(t, args...)
	if err != nil {
		t.Fatalf("curl %s: %v", strings.Join(args, " "), err)
	}
	return out
}
