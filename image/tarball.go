// Package image makes what engines build images from: build contexts
// streamed as tar archives (honouring .dockerignore, carrying the spec's
// files byte-exact with their modes, never held whole in memory),
// content-hash tags so an unchanged spec builds nothing, and the built-in
// server image made from testbed's own static binary.
package image

import (
	"archive/tar"
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"time"
)

// epoch is the modification time of every entry, so the same content always
// makes the same archive and the same hash.
var epoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// archive takes entries in the order given, hashes a description of each
// (name, mode, size, content) and, when tw is set, writes them as tar. It
// counts the bytes of file content against max.
type archive struct {
	tw   *tar.Writer // nil: hash only
	h    hash.Hash
	size int64 // file content so far
	max  int64 // limit of size; 0: none
}

func newArchive(w io.Writer, max int64) *archive {
	a := &archive{h: sha256.New(), max: max}
	if w != nil {
		a.tw = tar.NewWriter(w)
	}
	return a
}

func (a *archive) dir(name string, mode fs.FileMode) error {
	fmt.Fprintf(a.h, "d %s %o\n", name, mode.Perm())
	if a.tw == nil {
		return nil
	}
	return a.tw.WriteHeader(tarEntry(name+"/", tar.TypeDir, int64(mode.Perm()), 0))
}

// file adds a regular file of size bytes read from r; hostPath names it in
// errors.
func (a *archive) file(name, hostPath string, mode fs.FileMode, size int64, r io.Reader) error {
	if a.max > 0 && a.size+size > a.max {
		return &TooLargeError{Path: hostPath, Limit: a.max}
	}
	a.size += size
	fmt.Fprintf(a.h, "f %s %o %d\n", name, mode.Perm(), size)
	w := io.Writer(a.h)
	if a.tw != nil {
		if err := a.tw.WriteHeader(tarEntry(name, tar.TypeReg, int64(mode.Perm()), size)); err != nil {
			return err
		}
		w = io.MultiWriter(a.tw, a.h)
	}
	n, err := io.Copy(w, io.LimitReader(r, size+1))
	if err != nil {
		return err
	}
	if n != size {
		return fmt.Errorf("%s changed while being read (%d bytes, want %d)", hostPath, n, size)
	}
	return nil
}

func (a *archive) symlink(name, target string) error {
	fmt.Fprintf(a.h, "l %s %s\n", name, target)
	if a.tw == nil {
		return nil
	}
	h := tarEntry(name, tar.TypeSymlink, 0o777, 0)
	h.Linkname = target
	return a.tw.WriteHeader(h)
}

// note adds something that shapes the image but is not in the archive
// (build arguments, the base image's id) to the hash.
func (a *archive) note(s string) { fmt.Fprintf(a.h, "n %q\n", s) }

// close ends the tar stream.
func (a *archive) close() error {
	if a.tw == nil {
		return nil
	}
	return a.tw.Close()
}
