// Package image makes what engines build images from: build contexts as
// in-memory tar archives (honouring .dockerignore, carrying the spec's files
// byte-exact with their modes), content-hash tags so an unchanged spec builds
// nothing, and the built-in server image made from testbed's own static binary.
package image

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"time"
)

// epoch is the modification time of every entry, so the same content always
// makes the same archive and the same hash.
var epoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// Context is a build context ready to send to an engine.
type Context struct {
	Tar        []byte            // the archive
	Dockerfile string            // path of the Dockerfile inside it
	Hash       string            // hex SHA-256 of everything that goes into the image
	Args       map[string]string // build arguments (ARG values)
	Bases      []string          // images the Dockerfile starts FROM (see BaseImages)
}

// archive writes entries in the order given, and hashes a description of
// each (name, mode, size, content) as it goes.
type archive struct {
	buf bytes.Buffer
	tw  *tar.Writer
	h   hash.Hash
}

func newArchive() *archive {
	a := &archive{h: sha256.New()}
	a.tw = tar.NewWriter(&a.buf)
	return a
}

func (a *archive) dir(name string, mode fs.FileMode) error {
	fmt.Fprintf(a.h, "d %s %o\n", name, mode.Perm())
	return a.tw.WriteHeader(tarEntry(name+"/", tar.TypeDir, int64(mode.Perm()), 0))
}

func (a *archive) file(name string, mode fs.FileMode, size int64, r io.Reader) error {
	fmt.Fprintf(a.h, "f %s %o %d\n", name, mode.Perm(), size)
	if err := a.tw.WriteHeader(tarEntry(name, tar.TypeReg, int64(mode.Perm()), size)); err != nil {
		return err
	}
	n, err := io.Copy(io.MultiWriter(a.tw, a.h), r)
	if err != nil {
		return err
	}
	if n != size {
		return fmt.Errorf("%s changed while being read (%d bytes, want %d)", name, n, size)
	}
	return nil
}

func (a *archive) symlink(name, target string) error {
	fmt.Fprintf(a.h, "l %s %s\n", name, target)
	h := tarEntry(name, tar.TypeSymlink, 0o777, 0)
	h.Linkname = target
	return a.tw.WriteHeader(h)
}

// note adds something that shapes the image but is not in the archive
// (build arguments, the base image's id) to the hash.
func (a *archive) note(s string) { fmt.Fprintf(a.h, "n %q\n", s) }

func (a *archive) finish(dockerfile string) (*Context, error) {
	if err := a.tw.Close(); err != nil {
		return nil, err
	}
	return &Context{Tar: a.buf.Bytes(), Dockerfile: dockerfile, Hash: hex.EncodeToString(a.h.Sum(nil))}, nil
}
