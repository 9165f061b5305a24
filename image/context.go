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
	dockerfile, err := baseDockerfile(src)
	if err != nil {
		return nil, err
	}
	switch b := src.Build; {
	case b != nil && b.Inline != "" && b.Context != "":
		err = addTree(a, b.Context, "")
	case b != nil && b.Inline == "":
		err = addTree(a, b.Context, dockerfileName(b))
	}
	if err != nil {
		return nil, err
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
	files, err := placeFiles(src.Files)
	if err != nil {
		return nil, err
	}
	if err := addFiles(a, files); err != nil {
		return nil, err
	}
	dockerfile = withCopies(dockerfile, files)
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

// Dockerfile returns the Dockerfile text [NewContext] builds src with: the
// build's own (or inline) Dockerfile, or FROM the base image, with a COPY
// line for each of src.Files where the [FilesMarker] line stands, or at the
// end. It reads the Dockerfile, but only the kind (file or directory) of
// the files, so it is cheap enough for printing a plan.
func Dockerfile(src Source) (string, error) {
	dockerfile, err := baseDockerfile(src)
	if err != nil {
		return "", err
	}
	files, err := placeFiles(src.Files)
	if err != nil {
		return "", err
	}
	return withCopies(dockerfile, files), nil
}

// baseDockerfile is src's Dockerfile before the files' COPY lines.
func baseDockerfile(src Source) (string, error) {
	switch {
	case src.Build != nil && src.Build.Inline != "":
		return src.Build.Inline, nil
	case src.Build != nil:
		b, err := os.ReadFile(filepath.Join(src.Build.Context, dockerfileName(src.Build)))
		if err != nil {
			return "", fmt.Errorf("read Dockerfile: %w", err)
		}
		return string(b), nil
	case src.Base != "":
		return "FROM " + src.Base + "\n", nil
	}
	return "", errors.New("image source has neither a build nor a base image")
}

// dockerfileName is the build's Dockerfile path inside its context.
func dockerfileName(b *spec.Build) string {
	if b.Dockerfile == "" {
		return "Dockerfile"
	}
	return b.Dockerfile
}

// withCopies puts the files' COPY lines where the FilesMarker line stands,
// or at the end.
func withCopies(dockerfile string, files []placed) string {
	var copies strings.Builder
	for _, f := range files {
		j, _ := json.Marshal([]string{f.copySrc(), f.copyDst()}) // strings always marshal
		fmt.Fprintf(&copies, "COPY %s\n", j)
	}
	if !strings.HasSuffix(dockerfile, "\n") {
		dockerfile += "\n"
	}
	if strings.Contains(dockerfile, FilesMarker+"\n") {
		return strings.Replace(dockerfile, FilesMarker+"\n", copies.String(), 1)
	}
	return dockerfile + copies.String()
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

// placed is spec file i with where it goes in the context: a directory's
// tree under .testbed/files/<i>/, a file as .testbed/files/<i>/file.
type placed struct {
	spec.File
	info fs.FileInfo // of Src, not following a symlink
	name string      // its path in the context
}

func (p placed) copySrc() string {
	if p.info.IsDir() {
		return p.name + "/"
	}
	return p.name
}

func (p placed) copyDst() string {
	if p.info.IsDir() {
		return p.Dst + "/"
	}
	return p.Dst
}

// placeFiles finds where each spec file goes; each must be a regular file
// or a directory.
func placeFiles(files []spec.File) ([]placed, error) {
	out := make([]placed, 0, len(files))
	for i, f := range files {
		info, err := os.Lstat(f.Src)
		if err != nil {
			return nil, fmt.Errorf("file %s: %w", f.Src, err)
		}
		base := path.Join(reserved, "files", fmt.Sprint(i))
		switch {
		case info.IsDir():
			out = append(out, placed{File: f, info: info, name: base})
		case info.Mode().IsRegular():
			out = append(out, placed{File: f, info: info, name: path.Join(base, "file")})
		default:
			return nil, fmt.Errorf("file %s: not a regular file or directory", f.Src)
		}
	}
	return out, nil
}

// addFiles puts the placed files into the context; the COPY lines are
// [withCopies]'.
func addFiles(a *archive, files []placed) error {
	for _, f := range files {
		if !f.info.IsDir() {
			if err := addEntry(a, f.Src, f.name, fs.FileInfoToDirEntry(f.info), f.Mode); err != nil {
				return fmt.Errorf("file %s: %w", f.Src, err)
			}
			continue
		}
		err := filepath.WalkDir(f.Src, func(p string, d fs.DirEntry, err error) error {
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
			return addEntry(a, p, path.Join(f.name, filepath.ToSlash(rel)), d, mode)
		})
		if err != nil {
			return fmt.Errorf("file %s: %w", f.Src, err)
		}
	}
	return nil
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
