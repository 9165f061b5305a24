package ftpd

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Directories of the tree, relative to Options.Root.
const (
	anonDir = "anon" // the anonymous user's "/"
	homeDir = "home" // home/<login> is each user's "/"
)

// Virtual paths of the anonymous tree.
const (
	uploadPath     = "/upload"
	unreadablePath = "/pub/file-not-readable.txt"
)

// treeTime is the modification time of every file the server lays out, so
// that MDTM and listings are the same on every run.
var treeTime = time.Date(2020, time.January, 1, 12, 0, 0, 0, time.UTC)

// Contents of the small files in /pub.
const (
	helloText  = "Hello, World!\n"
	secretText = "This file is not readable: RETR answers 550.\n"
	nestedText = "A file in a subdirectory.\n"
	readmeText = `testbed FTP server
==================

/pub/hello.txt                "Hello, World!" and a newline
/pub/empty.txt                zero bytes
/pub/1MiB.bin                 1048576 deterministic bytes
/pub/10MiB.bin                10485760 deterministic bytes
/pub/SHA256SUMS               SHA-256 of the files above
/pub/dir/nested.txt           a file in a subdirectory
/pub/file-not-readable.txt    RETR answers 550
/upload/                      anonymous users may STOR, APPE and MKD here

Text files use LF line ends; TYPE A sends them with CRLF.
`
)

// treeFile is one file of /pub.
type treeFile struct {
	path string // relative to the anonymous root
	data []byte
}

// binarySize lists the deterministic binary files and their sizes.
var binarySizes = []struct {
	name string
	size int
}{
	{"1MiB.bin", 1 << 20},
	{"10MiB.bin", 10 << 20},
}

// deterministicBytes returns n bytes of a splitmix64 stream seeded by name:
// the same on every run and every platform, without repeats that would hide
// an offset error in a resumed transfer, and cheap (a few ms for 10 MiB,
// which every server start lays out).
func deterministicBytes(name string, n int) []byte {
	var x uint64 = 0x9e3779b97f4a7c15
	for _, c := range []byte("testbed ftpd " + name) {
		x = (x ^ uint64(c)) * 0x100000001b3
	}
	out := make([]byte, n+8)
	for i := 0; i < n; i += 8 {
		x += 0x9e3779b97f4a7c15
		z := x
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		binary.LittleEndian.PutUint64(out[i:], z^(z>>31))
	}
	return out[:n:n]
}

// sha256Sums is /pub/SHA256SUMS: the SHA-256 of each of summedFiles, in
// sha256sum's format. It is written out rather than computed so that no
// server start hashes 11 MiB; TestSHA256SUMS recomputes it and fails, with
// the new text to paste here, when the tree changes and it does not.
const sha256Sums = `c98c24b677eff44860afea6f493bbaec5bb1c4cbb209c6fc2bbb47f66ff2ad31  hello.txt
be02611892057f9d3d1d430b7bd643a2eb47db1ceeb042a624e16459196eba84  README
e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855  empty.txt
d04e976dc6f858094dce5ee123454a25505896dcaec0c92c3cab79c7839283fb  dir/nested.txt
21e9eb30f5a60d825ec9487d7b946d048bab599b81dff4a18b14c0602391321f  1MiB.bin
54517ce24e65307ef83cfeed457e81b0ce1e2044962bfa224033e48bbfcd71d5  10MiB.bin
`

// summedFiles returns the files of /pub that SHA256SUMS lists, in its order.
func summedFiles() []treeFile {
	files := textFiles()
	for _, b := range binarySizes {
		files = append(files, treeFile{"pub/" + b.name, deterministicBytes(b.name, b.size)})
	}
	return files
}

// textFiles are the small files of summedFiles.
func textFiles() []treeFile {
	return []treeFile{
		{"pub/hello.txt", []byte(helloText)},
		{"pub/README", []byte(readmeText)},
		{"pub/empty.txt", nil},
		{"pub/dir/nested.txt", []byte(nestedText)},
	}
}

// unsummedFiles are the files of /pub that SHA256SUMS does not list.
func unsummedFiles() []treeFile {
	return []treeFile{
		{"pub/SHA256SUMS", []byte(sha256Sums)},
		{"pub/file-not-readable.txt", []byte(secretText)},
	}
}

// pubFiles returns the files of /pub, SHA256SUMS included.
func pubFiles() []treeFile {
	return append(summedFiles(), unsummedFiles()...)
}

// layoutTree writes the anonymous tree and one home per login under root,
// overwriting the server's own files but keeping anything else. With
// reseed, the large files of /pub that a server wrote there before (the
// right size and time) are taken as they are, not written or read again:
// no client can write in /pub.
func layoutTree(root string, users map[string]string, reseed bool) error {
	anon := filepath.Join(root, anonDir)
	dirs := []string{
		filepath.Join(anon, "pub", "dir"),
		filepath.Join(anon, filepath.FromSlash(strings.TrimPrefix(uploadPath, "/"))),
	}
	logins := make([]string, 0, len(users))
	for login := range users {
		logins = append(logins, login)
	}
	sort.Strings(logins)
	for _, login := range logins {
		dirs = append(dirs, filepath.Join(root, homeDir, login))
	}
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("make directory: %w", err)
		}
	}
	for _, f := range append(textFiles(), unsummedFiles()...) {
		if err := writeTreeFile(filepath.Join(anon, filepath.FromSlash(f.path)), f.data); err != nil {
			return err
		}
	}
	for _, b := range binarySizes {
		p := filepath.Join(anon, "pub", b.name)
		if reseed && untouched(p, b.size) {
			continue // nobody can write in /pub: still the seed
		}
		if err := writeTreeFile(p, deterministicBytes(b.name, b.size)); err != nil {
			return err
		}
	}
	for _, d := range []string{filepath.Join(anon, "pub", "dir"), filepath.Join(anon, "pub")} {
		if err := os.Chtimes(d, treeTime, treeTime); err != nil {
			return fmt.Errorf("set time: %w", err)
		}
	}
	return nil
}

// writeTreeFile replaces path with data unless it already holds exactly
// data, and sets its time to treeTime.
func writeTreeFile(path string, data []byte) error {
	if !sameContent(path, data) {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return fmt.Errorf("write file: %w", err)
		}
	}
	if err := os.Chtimes(path, treeTime, treeTime); err != nil {
		return fmt.Errorf("set time: %w", err)
	}
	return nil
}

// sameContent reports whether the regular file at path holds exactly data.
func sameContent(path string, data []byte) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() || st.Size() != int64(len(data)) {
		return false
	}
	buf := make([]byte, 64<<10)
	for off := 0; off < len(data); {
		n, err := io.ReadFull(f, buf[:min(len(buf), len(data)-off)])
		if err != nil || !bytes.Equal(buf[:n], data[off:off+n]) {
			return false
		}
		off += n
	}
	return true
}

// untouched reports whether path is a regular file of size bytes with the
// tree's time, as layoutTree left it.
func untouched(path string, size int) bool {
	st, err := os.Lstat(path)
	return err == nil && st.Mode().IsRegular() && st.Size() == int64(size) && st.ModTime().Equal(treeTime)
}

// clearForReseed removes from root everything that is not the seeded
// tree of /pub: every home, /upload, and whatever else a server left, so
// that layoutTree gives back the tree of a new server.
func clearForReseed(root string) error {
	keep := map[string]bool{"pub": true, "pub/dir": true}
	for _, f := range seedPaths() {
		keep[f] = true
	}
	var errs []error
	entries, err := os.ReadDir(root)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	for _, e := range entries {
		if e.Name() != anonDir {
			errs = append(errs, os.RemoveAll(filepath.Join(root, e.Name())))
		}
	}
	anon := filepath.Join(root, anonDir)
	for _, dir := range []string{"", "pub", "pub/dir"} {
		entries, err := os.ReadDir(filepath.Join(anon, filepath.FromSlash(dir)))
		if err != nil {
			continue
		}
		for _, e := range entries {
			rel := path.Join(dir, e.Name())
			if !keep[rel] || e.Type()&fs.ModeSymlink != 0 {
				errs = append(errs, os.RemoveAll(filepath.Join(anon, filepath.FromSlash(rel))))
			}
		}
	}
	return errors.Join(errs...)
}

// seedPaths are the paths of pubFiles, without making their contents.
func seedPaths() []string {
	var out []string
	for _, f := range append(textFiles(), unsummedFiles()...) {
		out = append(out, f.path)
	}
	for _, b := range binarySizes {
		out = append(out, "pub/"+b.name)
	}
	return out
}
