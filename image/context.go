package image

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/testbed-dev/testbed/spec"
)

// reserved is the folder of the context that testbed writes its own
// Dockerfile and the spec's files into.
const reserved = ".testbed"

// FilesMarker, a line of a generated Dockerfile, is where the COPY lines of
// the spec's files go; without it they are appended.
const FilesMarker = "# testbed: files"

// Source is what one server's image is made from: a Dockerfile build, or an
// existing image with files added.
type Source struct {
	Base  string      // existing image to add Files to (when Build is nil)
	Build *spec.Build // Dockerfile build
	Files []spec.File // copied in after the Dockerfile's own steps
}

// contextVersion goes into every hash: bump it when the way testbed turns a
// source into an image changes, so no image built the old way is reused.
const contextVersion = "2"

// NewContext makes the build context for src.
func NewContext(src Source) (*Context, error) {
	a := newArchive()
	a.note("testbed context " + contextVersion)
	var dockerfile string
	switch {
	case src.Build != nil && src.Build.Inline != "":
		dockerfile = src.Build.Inline
		if src.Build.Context != "" {
			if err := addTree(a, src.Build.Context, ""); err != nil {
				return nil, err
			}
		}
	case src.Build != nil:
		name := src.Build.Dockerfile
		if name == "" {
			name = "Dockerfile"
		}
		b, err := os.ReadFile(filepath.Join(src.Build.Context, name))
		if err != nil {
			return nil, fmt.Errorf("read Dockerfile: %w", err)
		}
		dockerfile = string(b)
		if err := addTree(a, src.Build.Context, name); err != nil {
			return nil, err
		}
	case src.Base != "":
		dockerfile = "FROM " + src.Base + "\n"
	default:
		return nil, errors.New("image source has neither a build nor a base image")
	}
	if src.Build != nil {
		keys := make([]string, 0, len(src.Build.Args))
		for k := range src.Build.Args {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			a.note("arg " + k + "=" + src.Build.Args[k])
		}
	}
	copies, err := addFiles(a, src.Files)
	if err != nil {
		return nil, err
	}
	if !strings.HasSuffix(dockerfile, "\n") {
		dockerfile += "\n"
	}
	if strings.Contains(dockerfile, FilesMarker+"\n") {
		dockerfile = strings.Replace(dockerfile, FilesMarker+"\n", copies, 1)
	} else {
		dockerfile += copies
	}
	df := reserved + "/Dockerfile"
	if err := a.file(df, 0o644, int64(len(dockerfile)), strings.NewReader(dockerfile)); err != nil {
		return nil, fmt.Errorf("build context: %w", err)
	}
	c, err := a.finish(df)
	if err != nil {
		return nil, err
	}
	if src.Build != nil && len(src.Build.Args) > 0 {
		c.Args = src.Build.Args
	}
	c.Bases = BaseImages(dockerfile)
	return c, nil
}

// addTree adds dir's tree, minus what .dockerignore excludes, at the archive root.
func addTree(a *archive, dir, dockerfile string) error {
	var ig *ignore
	if b, err := os.ReadFile(filepath.Join(dir, ".dockerignore")); err == nil {
		ig = parseIgnore(b)
	}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		if rel == "." {
			return nil
		}
		rel = filepath.ToSlash(rel)
		if rel == reserved || strings.HasPrefix(rel, reserved+"/") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		keep := rel == filepath.ToSlash(dockerfile) || rel == ".dockerignore"
		if !keep && ig.excluded(rel) {
			if d.IsDir() && !ig.hasExceptions() {
				return filepath.SkipDir
			}
			return nil
		}
		return addEntry(a, p, rel, d, 0)
	})
	if err != nil {
		return fmt.Errorf("build context %s: %w", dir, err)
	}
	return nil
}

func (ig *ignore) hasExceptions() bool {
	for _, r := range ig.rules {
		if !r.exclude {
			return true
		}
	}
	return false
}

// addEntry adds one file system entry; mode, when not 0, replaces its permissions.
func addEntry(a *archive, p, name string, d fs.DirEntry, mode fs.FileMode) error {
	info, err := d.Info()
	if err != nil {
		return err
	}
	if mode == 0 {
		mode = info.Mode().Perm()
	}
	switch {
	case info.IsDir():
		return a.dir(name, mode)
	case info.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(p)
		if err != nil {
			return err
		}
		return a.symlink(name, target)
	case info.Mode().IsRegular():
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		return a.file(name, mode, info.Size(), f)
	}
	return nil // devices, sockets and pipes have no place in an image
}

// addFiles puts each spec file under .testbed/files/<i>/ and returns the
// COPY lines (JSON form, so no quoting of paths is ever needed).
func addFiles(a *archive, files []spec.File) (string, error) {
	var lines strings.Builder
	for i, f := range files {
		info, err := os.Lstat(f.Src)
		if err != nil {
			return "", fmt.Errorf("file %s: %w", f.Src, err)
		}
		base := path.Join(reserved, "files", fmt.Sprint(i))
		if info.IsDir() {
			err = filepath.WalkDir(f.Src, func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				rel, err := filepath.Rel(f.Src, p)
				if err != nil {
					return err
				}
				var mode fs.FileMode
				if rel == "." {
					mode = f.Mode
				}
				return addEntry(a, p, path.Join(base, filepath.ToSlash(rel)), d, mode)
			})
			if err != nil {
				return "", fmt.Errorf("file %s: %w", f.Src, err)
			}
			writeCopy(&lines, base+"/", f.Dst+"/")
			continue
		}
		if !info.Mode().IsRegular() {
			return "", fmt.Errorf("file %s: not a regular file or directory", f.Src)
		}
		name := path.Join(base, "file")
		if err := addEntry(a, f.Src, name, fs.FileInfoToDirEntry(info), f.Mode); err != nil {
			return "", fmt.Errorf("file %s: %w", f.Src, err)
		}
		writeCopy(&lines, name, f.Dst)
	}
	return lines.String(), nil
}

func writeCopy(b *strings.Builder, src, dst string) {
	j, _ := json.Marshal([]string{src, dst})
	fmt.Fprintf(b, "COPY %s\n", j)
}

// Tag is the image name testbed gives a built image: testbed/<name>:<hash>.
func Tag(name, hash string) string {
	if len(hash) > 16 {
		hash = hash[:16]
	}
	return "testbed/" + name + ":" + hash
}

// BaseImages lists the images a Dockerfile starts FROM, leaving out
// "scratch", earlier stages and references built from ARGs.
func BaseImages(dockerfile string) []string {
	var out []string
	stages := map[string]bool{}
	for _, line := range strings.Split(dockerfile, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || !strings.EqualFold(f[0], "FROM") {
			continue
		}
		ref := ""
		for _, w := range f[1:] {
			if strings.HasPrefix(w, "--") {
				continue
			}
			ref = w
			break
		}
		if len(f) >= 4 && strings.EqualFold(f[len(f)-2], "AS") {
			stages[strings.ToLower(f[len(f)-1])] = true
		}
		if ref == "" || ref == "scratch" || stages[strings.ToLower(ref)] || strings.Contains(ref, "$") {
			continue
		}
		out = append(out, ref)
	}
	return out
}
