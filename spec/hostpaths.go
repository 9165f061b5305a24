package spec

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/testbed-dev/testbed/internal/buildtree"
)

// hostPlaces are the host paths no bind mount, file source or build
// context may be, be inside, or contain, unless the spec sets
// allow_host_mounts: the engine's socket and state, and the kernel's and
// the host's runtime trees. Their parents ("/", "/var", "/var/lib") are
// refused because they contain them.
var hostPlaces = []string{
	"/proc", "/sys", "/dev", "/run", "/var/run",
	"/var/lib/docker", "/var/lib/containerd",
}

// hostPlace returns why the host path p (absolute, clean) is one of
// testbed's refused host places, or "". Both p and what it resolves to
// through symbolic links are checked.
func hostPlace(p string) string {
	places := hostPlaces
	if sock := engineSocket(); sock != "" {
		places = append(places[:len(places):len(places)], sock)
	}
	cands := []string{filepath.Clean(p)}
	if r, err := filepath.EvalSymlinks(p); err == nil && r != cands[0] {
		cands = append(cands, r)
	}
	for _, c := range cands {
		for _, h := range places {
			switch {
			case c == h || within(c, h):
				return fmt.Sprintf("%s is %s, a host path no test server may reach", resolvedText(p, c), h)
			case within(h, c) || c == "/":
				return fmt.Sprintf("%s contains %s, a host path no test server may reach", resolvedText(p, c), h)
			}
		}
	}
	return ""
}

func resolvedText(p, c string) string {
	if p == c {
		return Quote(p)
	}
	return Quote(p) + " (resolved: " + Quote(c) + ")"
}

// within reports whether p is strictly below dir.
func within(p, dir string) bool {
	return strings.HasPrefix(p, strings.TrimSuffix(dir, "/")+"/")
}

// engineSocket is the unix socket DOCKER_HOST names, or "".
func engineSocket() string {
	u, err := url.Parse(os.Getenv("DOCKER_HOST"))
	if err != nil || u.Scheme != "unix" || !filepath.IsAbs(u.Path) {
		return ""
	}
	return filepath.Clean(u.Path)
}

// dockerfileOf is the build's Dockerfile path in its context.
func dockerfileOf(b *Build) string {
	if b.Inline != "" {
		return ""
	}
	if b.Dockerfile == "" {
		return "Dockerfile"
	}
	return b.Dockerfile
}

// dockerfilePath checks the Dockerfile df of the build context dir: it
// exists, is a regular file, resolves (through links) inside the context,
// and its text is within the limits. Its content never appears in a
// message.
func (v *validator) dockerfilePath(s *Server, dir, df string) {
	const field = "build.dockerfile"
	p := filepath.Join(dir, df)
	resolved, err := filepath.EvalSymlinks(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			v.errorf(s, field, "dockerfile %s not found in %s", Quote(df), Quote(dir))
		} else {
			v.errorf(s, field, "dockerfile %s: %s", Quote(df), pathErrText(err))
		}
		return
	}
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return // checkHostPath reports it
	}
	if resolved != root && !within(resolved, root) {
		v.errorf(s, field, "dockerfile %s is a symbolic link that leaves the build context %s", Quote(df), Quote(dir))
		return
	}
	if fi, err := os.Stat(resolved); err != nil || !fi.Mode().IsRegular() {
		v.errorf(s, field, "dockerfile %s is not a regular file", Quote(df))
		return
	}
	v.dockerfileFile(s, resolved)
}

// tree checks what is copied from the host path root into an image (a
// file source or a build context): not a refused host place (unless the
// spec allows host mounts), and every symbolic link below it stays inside
// it. A root that is itself a link is followed.
func (v *validator) tree(s *Server, field, root string, context bool, dockerfile string) {
	if !v.t.AllowHostMounts {
		if msg := hostPlace(root); msg != "" {
			v.errorf(s, field, "%s (set allow_host_mounts: true to allow it)", msg)
			return
		}
	}
	r, err := filepath.EvalSymlinks(root)
	if err != nil {
		return // checkHostPath reports it
	}
	fi, err := os.Stat(r)
	if err != nil || !fi.IsDir() {
		return
	}
	err = buildtree.Walk(r, buildtree.Options{Context: context, Keep: dockerfile}, func(string, string, fs.DirEntry) error { return nil })
	var le *buildtree.LinkError
	switch {
	case errors.As(err, &le):
		v.errorf(s, field, "symbolic link %s leaves %s (a link may only point, by a relative path, inside the copied tree)", Quote(le.Rel), Quote(root))
	case err != nil:
		v.errorf(s, field, "read %s: %s", Quote(root), pathErrText(err))
	}
}
