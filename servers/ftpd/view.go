package ftpd

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"time"
)

// access is what a user may do at one virtual path.
type access uint8

const (
	accessRead   access = 1 << iota // RETR a file
	accessCreate                    // STOR a new file, MKD
	accessWrite                     // overwrite, append or resume a file, MFMT
	accessDelete                    // DELE, RMD, RNFR, RNTO
)

const accessAll = accessRead | accessCreate | accessWrite | accessDelete

// view is one logged-in user's file system: a directory opened as an
// [os.Root] (so neither ".." nor symbolic links leave it) and the rules of
// what the user may do where. Paths given to its methods are virtual:
// absolute, cleaned, "/" being the root directory.
type view struct {
	root *os.Root
	anon bool
}

func openView(dir string, anon bool) (*view, error) {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("open root: %w", err)
	}
	return &view{root: r, anon: anon}, nil
}

func (v *view) close() { v.root.Close() }

// access says what the user may do at vpath. Users may do everything in
// their home; anonymous users may read everything but the unreadable file
// and may only create and write under /upload.
func (v *view) access(vpath string) access {
	if !v.anon {
		return accessAll
	}
	var a access
	if vpath != unreadablePath {
		a |= accessRead
	}
	if vpath == uploadPath || strings.HasPrefix(vpath, uploadPath+"/") {
		a |= accessCreate | accessWrite
	}
	return a
}

func (v *view) can(vpath string, want access) bool { return v.access(vpath)&want == want }

// resolvePath turns a command argument into a virtual path, relative
// arguments being relative to cwd. The result is absolute and clean, so it
// never climbs above "/".
func resolvePath(cwd, arg string) string {
	if arg == "" {
		return cwd
	}
	if !strings.HasPrefix(arg, "/") {
		arg = cwd + "/" + arg
	}
	return path.Clean(arg)
}

// rel is vpath as a name for the os.Root.
func rel(vpath string) string {
	r := strings.TrimLeft(vpath, "/")
	if r == "" {
		return "."
	}
	return r
}

func (v *view) stat(vpath string) (fs.FileInfo, error)  { return v.root.Stat(rel(vpath)) }
func (v *view) lstat(vpath string) (fs.FileInfo, error) { return v.root.Lstat(rel(vpath)) }
func (v *view) open(vpath string) (*os.File, error)     { return v.root.Open(rel(vpath)) }
func (v *view) mkdir(vpath string) error                { return v.root.Mkdir(rel(vpath), 0o755) }
func (v *view) remove(vpath string) error               { return v.root.Remove(rel(vpath)) }
func (v *view) rename(from, to string) error            { return v.root.Rename(rel(from), rel(to)) }

func (v *view) openFile(vpath string, flag int) (*os.File, error) {
	return v.root.OpenFile(rel(vpath), flag, 0o644)
}

func (v *view) setTime(vpath string, t time.Time) error {
	return v.root.Chtimes(rel(vpath), t, t)
}

// entry is one line of a listing.
type entry struct {
	name   string
	info   fs.FileInfo // of the entry itself (not of a link's target)
	target string      // symbolic link target, if any
	vpath  string      // virtual path, for access rules
}

// list returns the entries of the directory vpath sorted by name, or the
// single entry of vpath when it is not a directory.
func (v *view) list(vpath string) ([]entry, error) {
	st, err := v.stat(vpath)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		e, err := v.entry(vpath)
		if err != nil {
			return nil, err
		}
		return []entry{e}, nil
	}
	f, err := v.open(vpath)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	des, err := f.ReadDir(-1)
	if err != nil {
		return nil, err
	}
	out := make([]entry, 0, len(des))
	for _, de := range des {
		info, err := de.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed meanwhile
		}
		if err != nil {
			return nil, err
		}
		e := entry{name: de.Name(), info: info, vpath: path.Join(vpath, de.Name())}
		if info.Mode()&fs.ModeSymlink != 0 {
			e.target, _ = v.root.Readlink(rel(e.vpath))
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

// entry describes vpath itself.
func (v *view) entry(vpath string) (entry, error) {
	info, err := v.lstat(vpath)
	if err != nil {
		return entry{}, err
	}
	e := entry{name: path.Base(vpath), info: info, vpath: vpath}
	if info.Mode()&fs.ModeSymlink != 0 {
		e.target, _ = v.root.Readlink(rel(vpath))
	}
	return e, nil
}
