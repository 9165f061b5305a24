package sftpd

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/pkg/sftp"
)

// UploadDir is the writable part of the tree; everything else is
// read-only.
const UploadDir = "/upload"

// The seeded tree: file contents by path (directories are made as needed).
var seed = map[string]func() []byte{
	"/readme.txt":           text("testbed sftp server: files in /files (read-only), uploads in /upload\n"),
	"/files/hello.txt":      text("hello from testbed\n"),
	"/files/empty.txt":      text(""),
	"/files/dir/nested.txt": text("nested file\n"),
	"/files/large-1m.bin":   deterministic(1 << 20),
}

func text(s string) func() []byte { return func() []byte { return []byte(s) } }

// deterministic is n bytes, byte i being i % 251 (as the http kind's
// /bytes/{n}).
func deterministic(n int) func() []byte {
	return func() []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i % 251)
		}
		return b
	}
}

// Tree is the file tree every user of a server shares, in a directory of
// its own (under TMPDIR, a private tmpfs in containers) that nothing can
// leave (an os.Root): the seed, read-only, and UploadDir, writable, with
// files up to a size limit.
type Tree struct {
	dir       string
	root      *os.Root
	maxUpload int64
}

// NewTree seeds a tree in a new temporary directory; Close removes it.
func NewTree(maxUpload int64) (_ *Tree, err error) {
	dir, err := os.MkdirTemp("", "testbed-sftp-")
	if err != nil {
		return nil, fmt.Errorf("sftp tree: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("sftp tree: %w", err)
	}
	t := &Tree{dir: dir, root: root, maxUpload: maxUpload}
	if err := root.Mkdir(rel(UploadDir), 0o755); err != nil {
		root.Close()
		return nil, fmt.Errorf("sftp tree: %w", err)
	}
	for name, content := range seed {
		if err := root.MkdirAll(rel(path.Dir(name)), 0o755); err != nil {
			root.Close()
			return nil, fmt.Errorf("sftp tree: %w", err)
		}
		if err := root.WriteFile(rel(name), content(), 0o644); err != nil {
			root.Close()
			return nil, fmt.Errorf("sftp tree: %w", err)
		}
	}
	return t, nil
}

// Close removes the tree.
func (t *Tree) Close() error {
	t.root.Close()
	if err := os.RemoveAll(t.dir); err != nil {
		return fmt.Errorf("sftp tree: %w", err)
	}
	return nil
}

// Handlers are the SFTP handlers of one session, logging on log.
func (t *Tree) Handlers(log *slog.Logger) sftp.Handlers {
	h := &handlers{t: t, log: log}
	return sftp.Handlers{FileGet: h, FilePut: h, FileCmd: h, FileList: h}
}

// rel is the path inside the root of an SFTP path.
func rel(p string) string {
	p = strings.TrimPrefix(path.Clean("/"+p), "/")
	if p == "" {
		return "."
	}
	return p
}

func writable(p string) bool {
	return strings.HasPrefix(path.Clean("/"+p), UploadDir+"/")
}

var (
	errReadOnly  = fmt.Errorf("read-only outside %s: %w", UploadDir, os.ErrPermission)
	errTooLarge  = errors.New("file too large for the upload area")
	errNoSymlink = fmt.Errorf("symbolic links are not supported: %w", os.ErrPermission)
)

// handlers serve one session; they read anywhere and write only inside
// UploadDir.
type handlers struct {
	t   *Tree
	log *slog.Logger
}

var (
	_ sftp.OpenFileWriter       = (*handlers)(nil)
	_ sftp.PosixRenameFileCmder = (*handlers)(nil)
	_ sftp.LstatFileLister      = (*handlers)(nil)
	_ sftp.ReadlinkFileLister   = (*handlers)(nil)
)

func (h *handlers) Fileread(r *sftp.Request) (io.ReaderAt, error) {
	f, err := h.t.root.Open(rel(r.Filepath))
	h.log.Info("sftp: get", "path", r.Filepath, "err", errString(err))
	if err != nil {
		return nil, err
	}
	return f, nil
}

func (h *handlers) Filewrite(r *sftp.Request) (io.WriterAt, error) { return h.OpenFile(r) }

// OpenFile opens for writing, or for reading and writing.
func (h *handlers) OpenFile(r *sftp.Request) (sftp.WriterAtReaderAt, error) {
	if !writable(r.Filepath) {
		h.log.Info("sftp: put refused", "path", r.Filepath)
		return nil, errReadOnly
	}
	pf := r.Pflags()
	flag := os.O_WRONLY
	if pf.Read {
		flag = os.O_RDWR
	}
	if pf.Creat {
		flag |= os.O_CREATE
	}
	if pf.Trunc {
		flag |= os.O_TRUNC
	}
	if pf.Excl {
		flag |= os.O_EXCL
	}
	f, err := h.t.root.OpenFile(rel(r.Filepath), flag, 0o644)
	h.log.Info("sftp: put", "path", r.Filepath, "err", errString(err))
	if err != nil {
		return nil, err
	}
	return limitedFile{f, h.t.maxUpload}, nil
}

func (h *handlers) Filecmd(r *sftp.Request) error {
	if !writable(r.Filepath) || (r.Target != "" && !writable(r.Target)) {
		h.log.Info("sftp: refused", "op", strings.ToLower(r.Method), "path", r.Filepath, "target", r.Target)
		return errReadOnly
	}
	err := h.cmd(r)
	h.log.Info("sftp: "+strings.ToLower(r.Method), "path", r.Filepath, "target", r.Target, "err", errString(err))
	return err
}

func (h *handlers) cmd(r *sftp.Request) error {
	root, p := h.t.root, rel(r.Filepath)
	switch r.Method {
	case "Setstat":
		return h.setstat(r)
	case "Rename":
		if _, err := root.Lstat(rel(r.Target)); err == nil {
			return os.ErrExist // SFTP's rename does not replace
		}
		return root.Rename(p, rel(r.Target))
	case "Rmdir", "Remove":
		return root.Remove(p)
	case "Mkdir":
		return root.Mkdir(p, 0o755)
	case "Link":
		return root.Link(rel(r.Target), p)
	case "Symlink":
		return errNoSymlink
	}
	return sftp.ErrSSHFxOpUnsupported
}

func (h *handlers) setstat(r *sftp.Request) error {
	root, p := h.t.root, rel(r.Filepath)
	flags, attrs := r.AttrFlags(), r.Attributes()
	if flags.Size {
		if int64(attrs.Size) > h.t.maxUpload {
			return errTooLarge
		}
		f, err := root.OpenFile(p, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		err = f.Truncate(int64(attrs.Size))
		f.Close()
		if err != nil {
			return err
		}
	}
	if flags.Permissions {
		if err := root.Chmod(p, attrs.FileMode().Perm()); err != nil {
			return err
		}
	}
	if flags.Acmodtime {
		if err := root.Chtimes(p, attrs.AccessTime(), attrs.ModTime()); err != nil {
			return err
		}
	}
	return nil
}

func (h *handlers) PosixRename(r *sftp.Request) error {
	if !writable(r.Filepath) || !writable(r.Target) {
		h.log.Info("sftp: refused", "op", "rename", "path", r.Filepath, "target", r.Target)
		return errReadOnly
	}
	err := h.t.root.Rename(rel(r.Filepath), rel(r.Target))
	h.log.Info("sftp: rename", "path", r.Filepath, "target", r.Target, "err", errString(err))
	return err
}

func (h *handlers) Filelist(r *sftp.Request) (sftp.ListerAt, error) {
	p := rel(r.Filepath)
	switch r.Method {
	case "List":
		f, err := h.t.root.Open(p)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		entries, err := f.ReadDir(-1)
		if err != nil {
			return nil, err
		}
		slices.SortFunc(entries, func(a, b os.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
		out := make(listerAt, 0, len(entries))
		for _, e := range entries {
			if fi, err := e.Info(); err == nil {
				out = append(out, fi)
			}
		}
		h.log.Debug("sftp: list", "path", r.Filepath)
		return out, nil
	case "Stat":
		fi, err := h.t.root.Stat(p)
		if err != nil {
			return nil, err
		}
		return listerAt{fi}, nil
	}
	return nil, sftp.ErrSSHFxOpUnsupported
}

func (h *handlers) Lstat(r *sftp.Request) (sftp.ListerAt, error) {
	fi, err := h.t.root.Lstat(rel(r.Filepath))
	if err != nil {
		return nil, err
	}
	return listerAt{fi}, nil
}

func (h *handlers) Readlink(p string) (string, error) { return "", errNoSymlink }

type listerAt []os.FileInfo

func (l listerAt) ListAt(out []os.FileInfo, off int64) (int, error) {
	if off >= int64(len(l)) {
		return 0, io.EOF
	}
	n := copy(out, l[off:])
	if off+int64(n) >= int64(len(l)) {
		return n, io.EOF
	}
	return n, nil
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// limitedFile refuses writes that would make the file larger than limit.
type limitedFile struct {
	*os.File
	limit int64
}

func (l limitedFile) WriteAt(p []byte, off int64) (int, error) {
	if off < 0 || off+int64(len(p)) > l.limit {
		return 0, errTooLarge
	}
	return l.File.WriteAt(p, off)
}
