// Package buildtree walks what testbed copies into an image (a build
// context or a spec file's directory) the same way at validation and at
// build time: honouring .dockerignore, and holding every symbolic link to
// one rule, that it stays inside the copied tree.
package buildtree

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Reserved is the folder of a build context that testbed writes its own
// Dockerfile and the spec's files into; a walk leaves the user's copy out.
const Reserved = ".testbed"

// ErrLinkOutside is matched (errors.Is) by a [*LinkError].
var ErrLinkOutside = errors.New("symbolic link leaves the copied tree")

// LinkError is a symbolic link that leaves the tree it is copied with.
type LinkError struct {
	Path string // host path of the link
	Rel  string // its slash-separated path in the tree
}

func (e *LinkError) Error() string {
	return fmt.Sprintf("symbolic link %s leaves the copied tree (a link may only point, by a relative path, inside it)", e.Path)
}

// Is reports whether target is [ErrLinkOutside].
func (e *LinkError) Is(target error) bool { return target == ErrLinkOutside }

// WalkFunc is called for each entry kept: p is its host path, rel its
// slash-separated path in the tree ("." for the root), d its entry (a link
// is not followed).
type WalkFunc func(p, rel string, d fs.DirEntry) error

// Options says how to walk.
type Options struct {
	// Context makes the walk a build context's: .dockerignore applies
	// (except to Keep and to .dockerignore itself) and Reserved is left out.
	Context bool
	Keep    string // path of the Dockerfile in the context, always kept
}

// Walk calls fn for root and every entry below it that goes into the
// image, in lexical order. A symbolic link is checked with [CheckLink]
// first; the first link that leaves the tree ends the walk with an error
// naming it.
func Walk(root string, o Options, fn WalkFunc) error {
	var ig *Ignore
	if o.Context {
		if b, err := os.ReadFile(filepath.Join(root, ".dockerignore")); err == nil {
			ig = ParseIgnore(b)
		}
	}
	keep := filepath.ToSlash(o.Keep)
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if o.Context && rel != "." {
			if rel == Reserved || strings.HasPrefix(rel, Reserved+"/") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if rel != keep && rel != ".dockerignore" && ig.Excluded(rel) {
				if d.IsDir() && !ig.HasExceptions() {
					return filepath.SkipDir
				}
				return nil
			}
		}
		if d.Type()&fs.ModeSymlink != 0 {
			if err := CheckLink(p, rel); err != nil {
				return err
			}
		}
		return fn(p, rel, d)
	})
}

// CheckLink returns a [*LinkError] unless the link at rel (slash-separated, inside its tree)
// has a relative target that stays inside the tree. An absolute target
// always leaves it: inside the image it would name something else.
func CheckLink(p, rel string) error {
	target, err := os.Readlink(p)
	if err != nil {
		return err
	}
	target = filepath.ToSlash(target)
	if path.IsAbs(target) || !LinkInside(rel, target) {
		return &LinkError{Path: p, Rel: rel}
	}
	return nil
}

// LinkInside reports whether a relative link target, read from the
// directory of rel, stays inside the tree rel is in (lexically, as the
// image will resolve it; every link on the way is checked on its own).
func LinkInside(rel, target string) bool {
	if path.IsAbs(target) {
		return false
	}
	j := path.Join(path.Dir(rel), target)
	return j != ".." && !strings.HasPrefix(j, "../") && rel != "."
}
