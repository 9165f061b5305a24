package httpd

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
)

// validUploadName reports whether name may be stored: 1-255 characters from
// A-Z a-z 0-9 . _ -, not starting with a dot (temporary files do), no "..".
func validUploadName(name string) bool {
	if name == "" || len(name) > 255 || name[0] == '.' || strings.Contains(name, "..") {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}

// uploadPath is the file of a valid name, or "" after answering 400.
func (s *Server) uploadPath(w http.ResponseWriter, r *http.Request) string {
	name := r.PathValue("name")
	if !validUploadName(name) {
		http.Error(w, "upload: bad name (1-255 of A-Z a-z 0-9 . _ -, no leading dot, no ..)", http.StatusBadRequest)
		return ""
	}
	return filepath.Join(s.dataDir, name)
}

// handlePut streams the body into a temporary file and renames it into place,
// so readers see the old file or the whole new one.
func (s *Server) handlePut(w http.ResponseWriter, r *http.Request) {
	dst := s.uploadPath(w, r)
	if dst == "" {
		return
	}
	n, existed, err := s.store(dst, r.Body)
	if err != nil {
		s.log.Warn("upload failed", "name", r.PathValue("name"), "err", err)
		http.Error(w, "upload: "+err.Error(), http.StatusInternalServerError)
		return
	}
	if existed {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	w.Header().Set("Location", r.URL.Path)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusCreated)
	fmt.Fprintf(w, "stored %d bytes\n", n)
}

func (s *Server) store(dst string, body io.Reader) (n int64, existed bool, err error) {
	f, err := os.CreateTemp(s.dataDir, ".upload-*")
	if err != nil {
		return 0, false, fmt.Errorf("create temporary file: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = os.Remove(tmp)
		}
	}()
	n, err = io.Copy(f, body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return n, false, fmt.Errorf("write after %d bytes: %w", n, err)
	}
	_, serr := os.Lstat(dst)
	existed = serr == nil
	if err = os.Rename(tmp, dst); err != nil {
		return n, false, fmt.Errorf("rename into place: %w", err)
	}
	return n, existed, nil
}

func (s *Server) handleGetUpload(w http.ResponseWriter, r *http.Request) {
	p := s.uploadPath(w, r)
	if p == "" {
		return
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		http.NotFound(w, r)
		return
	}
	if err != nil {
		http.Error(w, "upload: "+err.Error(), http.StatusInternalServerError)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}
	http.ServeContent(w, r, fi.Name(), fi.ModTime(), f)
}

func (s *Server) handleDelete(w http.ResponseWriter, r *http.Request) {
	p := s.uploadPath(w, r)
	if p == "" {
		return
	}
	err := os.Remove(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		http.NotFound(w, r)
	case err != nil:
		http.Error(w, "upload: "+err.Error(), http.StatusInternalServerError)
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}
