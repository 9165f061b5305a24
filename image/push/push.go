// Package push puts the built-in server image in a registry, for clusters
// whose nodes pull it (the kubernetes driver's TESTBED_K8S_IMAGE). It pushes
// the very image archive the docker driver loads into its engine, so the
// config, the image ID and the tag's hash are the same; the archive is made
// as it is read, so the binary is never held in memory. Credentials come
// from where `docker login` keeps them (~/.docker/config.json and its
// credential helpers); no docker command is run.
//
// It is a package of its own, not part of package image, so that what only
// the command's `build --push` needs (a registry client) stays out of the
// library and the drivers that import package image.
package push

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/testbed-dev/testbed/image"
)

// Timeout bounds one push, unless the caller's context ends it first.
const Timeout = 10 * time.Minute

// Options say where to push the image, and how.
type Options struct {
	// Repository is where the image goes, registry first:
	// "127.0.0.1:5000/testbed" puts it at
	// 127.0.0.1:5000/testbed/builtin:<hash>. It is required.
	Repository string
	// Insecure talks plain HTTP to the registry. Registries on localhost,
	// loopback and private (RFC 1918) addresses and on .local names get
	// plain HTTP without it.
	Insecure bool
	// Keychain finds the registry's credentials; nil is
	// authn.DefaultKeychain (docker's config.json and credential helpers).
	Keychain authn.Keychain
}

// Result is what was pushed.
type Result struct {
	// Reference is the image's name and tag in the registry,
	// "127.0.0.1:5000/testbed/builtin:<hash>".
	Reference string
	// Digest is the manifest's digest, "sha256:...".
	Digest string
}

// String is the reference pinned to its digest, "<Reference>@<Digest>":
// what a cluster should pull.
func (r Result) String() string { return r.Reference + "@" + r.Digest }

// CheckRepository refuses a repository Builtin would refuse, without any
// network call: it must be a repository name in a registry's syntax, with
// its registry named first and no tag or digest.
func CheckRepository(repository string) error {
	const want = "want REGISTRY/PATH with no tag, e.g. 127.0.0.1:5000/testbed"
	host, _, ok := strings.Cut(repository, "/")
	if !ok || !(host == "localhost" || strings.ContainsAny(host, ".:")) {
		// The registry library would take such a name for one on Docker Hub.
		return fmt.Errorf("repository %q names no registry (%s, or docker.io/USER/testbed for Docker Hub)", repository, want)
	}
	if _, err := name.NewRepository(repository); err != nil {
		return fmt.Errorf("repository %q: %w (%s)", repository, err, want)
	}
	// The registry library checks the characters only; a registry wants
	// the distribution spec's path components too.
	_, path, _ := strings.Cut(repository, "/")
	for _, c := range strings.Split(path, "/") {
		if !pathComponent.MatchString(c) {
			return fmt.Errorf("repository %q: path component %q is not lowercase letters and digits joined by '.', '_', '__' or '-' (%s)", repository, c, want)
		}
	}
	return nil
}

// pathComponent is one component of a repository's path, in the
// distribution spec's grammar.
var pathComponent = regexp.MustCompile(`^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$`)

// Builtin pushes the built-in server image img as
// <o.Repository>/builtin:<hash> ([image.BuiltinImage.TagIn]). A registry
// that already has its blobs is sent only the manifest again, and the
// digest is the same every time. The repository is checked before any
// network call.
func Builtin(ctx context.Context, img *image.BuiltinImage, o Options) (Result, error) {
	if err := CheckRepository(o.Repository); err != nil {
		return Result{}, fmt.Errorf("push the built-in image: %w", err)
	}
	var opts []name.Option
	if o.Insecure {
		opts = append(opts, name.Insecure)
	}
	ref, err := name.NewTag(img.TagIn(o.Repository), opts...)
	if err != nil {
		return Result{}, fmt.Errorf("push the built-in image: %w", err)
	}
	res, err := push(ctx, img, ref, o)
	if err != nil {
		return Result{}, fmt.Errorf("push the built-in image to %s: %w", o.Repository, err)
	}
	return res, nil
}

func push(ctx context.Context, img *image.BuiltinImage, ref name.Tag, o Options) (Result, error) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	// The archive's manifest comes last, after the binary; tarball.Image
	// reads it, the config and the layer through the opener, each time
	// from the start of a fresh archive.
	v1img, err := tarball.Image(archive(img), nil)
	if err != nil {
		return Result{}, fmt.Errorf("read the image archive: %w", err)
	}
	keychain := o.Keychain
	if keychain == nil {
		keychain = authn.DefaultKeychain
	}
	// A transport of its own, whose idle connections go with the push.
	tr := remote.DefaultTransport
	if ht, ok := tr.(*http.Transport); ok {
		ht = ht.Clone()
		defer ht.CloseIdleConnections()
		tr = ht
	}
	if err := remote.Write(ref, v1img,
		remote.WithContext(ctx), remote.WithAuthFromKeychain(keychain),
		remote.WithTransport(tr), remote.WithUserAgent("testbed")); err != nil {
		return Result{}, err
	}
	digest, err := v1img.Digest()
	if err != nil {
		return Result{}, fmt.Errorf("manifest digest: %w", err)
	}
	return Result{Reference: ref.String(), Digest: digest.String()}, nil
}

// archive opens the image archive as BuiltinImage.WriteTo writes it, from
// the binary, through a pipe: each open is one more pass over the binary
// file, and none holds it in memory.
func archive(img *image.BuiltinImage) tarball.Opener {
	return func() (io.ReadCloser, error) {
		pr, pw := io.Pipe()
		done := make(chan struct{})
		go func() {
			defer close(done)
			_, err := img.WriteTo(pw)
			pw.CloseWithError(err)
		}()
		return &stream{PipeReader: pr, done: done}, nil
	}
}

// stream is an archive being written; Close stops the writer (a reader
// that read enough stops early) and waits for it to return.
type stream struct {
	*io.PipeReader
	done chan struct{}
}

func (s *stream) Close() error {
	err := s.PipeReader.Close()
	<-s.done
	return err
}
