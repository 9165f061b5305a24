package image

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"

	"errors"
	"fmt"
	"github.com/testbed-dev/testbed/internal/buildtree"
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
const reserved = buildtree.Reserved

// FilesMarker, a line of a generated Dockerfile, is where the COPY lines of
// the spec's files go; without it they are appended.
const FilesMarker = "# testbed: files"

// DefaultMaxContext is the most bytes of file content one build context
// carries unless [Source.MaxBytes] or the environment variable
// [MaxContextEnv] says otherwise.
const DefaultMaxContext = 1 << 30

// MaxContextEnv names the environment variable that overrides
// [DefaultMaxContext]: a byte count, or a number with a K, M or G suffix
// (powers of 1024).
const MaxContextEnv = "TESTBED_MAX_BUILD_CONTEXT"

// ErrTooLarge is matched (errors.Is) by a [*TooLargeError].
var ErrTooLarge = errors.New("build context too large")

// TooLargeError says a build context passed its size limit, and at which
// host path.
type TooLargeError struct {
	Path  string // the file that took it past the limit
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("build context larger than the limit of %d bytes at %s (set %s, in bytes or with a K/M/G suffix, to raise it)", e.Limit, e.Path, MaxContextEnv)
}

// Is reports whether target is [ErrTooLarge].
func (e *TooLargeError) Is(target error) bool { return target == ErrTooLarge }

// Source is what one server's image is made from: a Dockerfile build, or an
// existing image with files added.
type Source struct {
	Base  string      // existing image to add Files to (when Build is nil)
	Build *spec.Build // Dockerfile build
	Files []spec.File // copied in after the Dockerfile's own steps
	// Platform is the os/arch[/variant] the image is built for ("" = the
	// engine's); part of the hash, as Build.Target is.
	Platform string
	// MaxBytes bounds the file content of the context; 0 means
	// [MaxContextEnv] when set, else [DefaultMaxContext].
	MaxBytes int64
}

// Context is a build context ready to stream to an engine: its hash and
// Dockerfile are known, its archive is written on demand by
// [Context.WriteTo] or [Context.Reader], never held in memory.
type Context struct {
	Dockerfile string            // path of the Dockerfile inside the archive
	Hash       string            // hex SHA-256 of everything that goes into the image
	Args       map[string]string // build arguments (ARG values)
	Bases      []string          // images the Dockerfile starts FROM (see BaseImages)
	Size       int64             // bytes of file content in the archive
	Target     string            // the stage to build ("" = the last)
	Platform   string            // the platform to build for ("" = the engine's)

	src        Source
	max        int64
	dockerfile string // the text of .testbed/Dockerfile
}

// contextVersion goes into every hash: bump it when the way testbed turns a
// source into an image changes, so no image built the old way is reused.
const contextVersion = "2"

// NewContext reads everything src's context holds once, streaming, to
// learn its hash (for [Tag]) and size; nothing is kept but the Dockerfile
// text. A context past its size limit gives a [*TooLargeError]; a link
// that leaves its tree an error wrapping [buildtree.ErrLinkOutside].
func NewContext(src Source) (*Context, error) {
	max, err := maxBytes(src.MaxBytes)
	if err != nil {
		return nil, err
	}
	dockerfile, err := baseDockerfile(src)
	if err != nil {
		return nil, err
	}
	files, err := placeFiles(src.Files)
	if err != nil {
		return nil, err
	}
	c := &Context{src: src, max: max, dockerfile: withCopies(dockerfile, files), Dockerfile: reserved + "/Dockerfile"}
	a := newArchive(nil, max)
	if err := c.emit(a, files); err != nil {
		return nil, err
	}
	c.Hash, c.Size = hex.EncodeToString(a.h.Sum(nil)), a.size
	if src.Build != nil && len(src.Build.Args) > 0 {
		c.Args = src.Build.Args
	}
	if src.Build != nil {
		c.Target = src.Build.Target
	}
	c.Platform = src.Platform
	c.Bases = BaseImages(c.dockerfile)
	return c, nil
}

// WriteTo writes the context's tar archive to w as it reads the files.
// When what it read differs from what [NewContext] hashed, it fails at
// the end (the image would not be what its tag says).
func (c *Context) WriteTo(w io.Writer) (int64, error) {
	cw := &countWriter{w: w}
	files, err := placeFiles(c.src.Files)
	if err != nil {
		return cw.n, err
	}
	a := newArchive(cw, c.max)
	if err := c.emit(a, files); err != nil {
		return cw.n, err
	}
	if err := a.close(); err != nil {
		return cw.n, err
	}
	if h := hex.EncodeToString(a.h.Sum(nil)); h != c.Hash {
		return cw.n, errors.New("build context changed while it was being sent")
	}
	return cw.n, nil
}

// Reader streams the archive through a pipe: the returned reader yields
// the tar as [Context.WriteTo] writes it, and its Read returns WriteTo's
// error. Close it to stop the writer early.
func (c *Context) Reader() io.ReadCloser {
	pr, pw := io.Pipe()
	go func() {
		_, err := c.WriteTo(pw)
		pw.CloseWithError(err)
	}()
	return pr
}

// emit feeds every entry of the context to a, in a fixed order.
func (c *Context) emit(a *archive, files []placed) error {
	src := c.src
	a.note("testbed context " + contextVersion)
	var err error
	switch b := src.Build; {
	case b != nil && b.ExternalDockerfile != "":
		// The Dockerfile lies outside the context: the whole context goes
		// in, and the Dockerfile's text at the reserved path below.
		err = addTree(a, b.Context, "")
	case b != nil && b.Inline != "" && b.Context != "":
		err = addTree(a, b.Context, "")
	case b != nil && b.Inline == "":
		err = addTree(a, b.Context, dockerfileName(b))
	}
	if err != nil {
		return err
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
		if src.Build.Target != "" {
			a.note("target " + src.Build.Target)
		}
	}
	if src.Platform != "" {
		a.note("platform " + src.Platform)
	}
	if err := addFiles(a, files); err != nil {
		return err
	}
	df := c.dockerfile
	if err := a.file(c.Dockerfile, "the generated Dockerfile", 0o644, int64(len(df)), strings.NewReader(df)); err != nil {
		return fmt.Errorf("build context: %w", err)
	}
	return nil
}

// maxBytes is the context size limit: set, or from the environment, or
// the default.
func maxBytes(set int64) (int64, error) {
	if set > 0 {
		return set, nil
	}
	v := strings.TrimSpace(os.Getenv(MaxContextEnv))
	if v == "" {
		return DefaultMaxContext, nil
	}
	n, err := ParseSize(v)
	if err != nil {
		return 0, fmt.Errorf("%s=%q: %w", MaxContextEnv, v, err)
	}
	return n, nil
}

// ParseSize reads a positive byte count as the spec reads sizes
// ([spec.ParseBytes]): digits, optionally with K, M or G (powers of 1024;
// case and a trailing "B"/"iB" ignored): 512M, 2GiB, 1073741824.
func ParseSize(s string) (int64, error) {
	n, err := spec.ParseBytes(s)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("want a positive byte count like 1073741824, 512M or 2G")
	}
	return n, nil
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
	case src.Build != nil && src.Build.ExternalDockerfile != "":
		return readExternalDockerfile(src.Build.ExternalDockerfile)
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

// MaxExternalDockerfile bounds a Dockerfile read from outside the context.
const MaxExternalDockerfile = 1 << 20

// readExternalDockerfile reads a Dockerfile that lies outside its build
// context, links resolved: a regular file of at most 1 MiB.
func readExternalDockerfile(path string) (string, error) {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", fmt.Errorf("read Dockerfile %s: %w", path, err)
	}
	f, err := os.Open(real)
	if err != nil {
		return "", fmt.Errorf("read Dockerfile %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("read Dockerfile %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("read Dockerfile %s: not a regular file", path)
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxExternalDockerfile+1))
	if err != nil {
		return "", fmt.Errorf("read Dockerfile %s: %w", path, err)
	}
	if len(b) > MaxExternalDockerfile {
		return "", fmt.Errorf("read Dockerfile %s: larger than %d bytes", path, MaxExternalDockerfile)
	}
	return string(b), nil
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

// addTree adds dir's tree, minus what .dockerignore excludes, at the
// archive root. dir may be a link to a directory.
func addTree(a *archive, dir, dockerfile string) error {
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return fmt.Errorf("build context %s: %w", dir, err)
	}
	err = buildtree.Walk(root, buildtree.Options{Context: true, Keep: dockerfile}, func(p, rel string, d fs.DirEntry) error {
		if rel == "." {
			return nil
		}
		return addEntry(a, p, rel, d, 0)
	})
	if err != nil {
		return fmt.Errorf("build context %s: %w", dir, err)
	}
	return nil
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
		return a.file(name, p, mode, info.Size(), f)
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
		// A source that is a link is followed (validation checked where
		// it leads); links below a directory are copied as links.
		resolved, err := filepath.EvalSymlinks(f.Src)
		if err != nil {
			return nil, fmt.Errorf("file %s: %w", f.Src, err)
		}
		info, err := os.Lstat(resolved)
		if err != nil {
			return nil, fmt.Errorf("file %s: %w", f.Src, err)
		}
		f.Src = resolved
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
		err := buildtree.Walk(f.Src, buildtree.Options{}, func(p, rel string, d fs.DirEntry) error {
			var mode fs.FileMode
			if rel == "." {
				mode = f.Mode
			}
			return addEntry(a, p, path.Join(f.name, rel), d, mode)
		})
		if err != nil {
			return fmt.Errorf("file %s: %w", f.Src, err)
		}
	}
	return nil
}

// ProjectTag is the tag of an image built for one project: the content
// hash is taken together with the project's name, because the image
// carries the project's label (its content differs per project). Two
// projects with the same build therefore never share a tag, and one
// project's down --rmi or reap cannot remove the image another project's
// up has just found and is about to run.
func ProjectTag(name, hash, project string) string {
	h := sha256.Sum256([]byte(hash + "\x00" + project))
	return Tag(name, hex.EncodeToString(h[:]))
}

// Tag is the image name testbed gives a built image: testbed/<name>:<hash>.
func Tag(name, hash string) string {
	return "testbed/" + name + ":" + shortHash(hash)
}

// shortHash is the part of a tag made from a hash: its first 16 digits.
func shortHash(hash string) string {
	if len(hash) > 16 {
		return hash[:16]
	}
	return hash
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
