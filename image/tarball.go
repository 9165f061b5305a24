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
}

// archive writes entries in the order given.
type archive struct {
	buf bytes.Buffer
	tw  *tar.Writer
	sum io.Writer // every header and content also goes here
	h   interface {
		io.Writer
		Sum([]byte) []byte
	}
}

func newArchive() *archive {
	a := &archive{h: sha256.New()}
	a.tw = tar.NewWriter(&a.buf)
	return a
}

func (a *archive) dir(name string, mode fs.FileMode) error {
	fmt.Fprintf(a.h, "d %s %o\n", name, mode.Perm())
	return a.tw.WriteHeader(&tar.Header{
		Typeflag: tar.TypeDir, Name: name + "/", Mode: int64(mode.Perm()), ModTime: epoch, Format: tar.FormatPAX,
	})
}

func (a *archive) file(name string, mode fs.FileMode, size int64, r io.Reader) error {
	fmt.Fprintf(a.h, "f %s %o %d\n", name, mode.Perm(), size)
	if err := a.tw.WriteHeader(&tar.Header{
		Typeflag: tar.TypeReg, Name: name, Mode: int64(mode.Perm()), Size: size, ModTime: epoch, Format: tar.FormatPAX,
	}); err != nil {
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
	return a.tw.WriteHeader(&tar.Header{
		Typeflag: tar.TypeSymlink, Name: name, Linkname: target, Mode: 0o777, ModTime: epoch, Format: tar.FormatPAX,
	})
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

// ReadFile returns one file of a context archive.
func ReadFile(c *Context, name string) (string, error) {
	tr := tar.NewReader(bytes.NewReader(c.Tar))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return "", fmt.Errorf("%s not in the build context", name)
		}
		if err != nil {
			return "", err
		}
		if h.Name == name {
			b, err := io.ReadAll(tr)
			return string(b), err
		}
	}
}
