package legacy

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/testbed-dev/testbed/spec"
)

// parseCopies reads "copy": a list of {src, dst, mode}. src resolves against
// the folder of file and must be an existing regular file or directory.
func parseCopies(file string, line int, server string, raw json.RawMessage, p *problems) []spec.File {
	v, err := decode(raw)
	if err != nil {
		p.add(file, line, server, keyCopy, "%v", err)
		return nil
	}
	items, ok := v.([]any)
	if !ok {
		p.add(file, line, server, keyCopy, "want a list of {\"src\", \"dst\", \"mode\"}, got %s", kind(v))
		return nil
	}
	var out []spec.File
	for i, item := range items {
		field := indexField(keyCopy, i)
		f, sub, msg := parseCopy(filepath.Dir(file), item)
		if msg != "" {
			if sub != "" {
				field += "." + sub
			}
			p.add(file, line, server, field, "%s", msg)
			continue
		}
		out = append(out, f)
	}
	return out
}

// parseCopy reads one copy entry; on a problem it returns the sub-field and
// the message.
func parseCopy(dir string, item any) (f spec.File, field, msg string) {
	m, ok := item.(map[string]any)
	if !ok {
		return f, "", fmt.Sprintf("want an object {\"src\", \"dst\", \"mode\"}, got %s", kind(item))
	}
	var unknown []string
	for k := range m {
		if k != "src" && k != "dst" && k != "mode" {
			unknown = append(unknown, quote(k))
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return f, "", "unknown keys " + strings.Join(unknown, ", ") + " (known: src, dst, mode)"
	}

	src, ok := m["src"].(string)
	if !ok || src == "" {
		return f, "src", "want the source file as a non-empty string"
	}
	if strings.IndexByte(src, 0) >= 0 {
		return f, "src", "NUL character not allowed"
	}
	written := src
	if !filepath.IsAbs(src) {
		src = filepath.Join(dir, src)
	}
	src = filepath.Clean(src)
	st, err := os.Stat(src)
	switch {
	case err != nil && os.IsNotExist(err):
		return f, "src", fmt.Sprintf("source %s (%s) does not exist", quote(written), quote(src))
	case err != nil: // the os error repeats the whole path; show it quoted and cut short
		return f, "src", fmt.Sprintf("source %s: %v", quote(written), unwrapPath(err))
	case !st.Mode().IsRegular() && !st.IsDir():
		return f, "src", fmt.Sprintf("source %s is not a regular file or directory", quote(src))
	}

	dst, ok := m["dst"].(string)
	if !ok || dst == "" {
		return f, "dst", "want the destination path in the image as a non-empty string"
	}
	if strings.HasSuffix(dst, "/") {
		dst += filepath.Base(src)
	}
	if msg := checkDst(dst); msg != "" {
		return f, "dst", msg
	}

	var mode fs.FileMode
	switch v := m["mode"].(type) {
	case nil:
	case string:
		if mode, err = spec.ParseMode(v); err != nil {
			return f, "mode", err.Error()
		}
	case json.Number:
		if mode, err = spec.ParseMode(v.String()); err != nil {
			return f, "mode", err.Error()
		}
	default:
		return f, "mode", fmt.Sprintf("want octal digits like \"0644\", got %s", kind(v))
	}
	return spec.File{Src: src, Dst: dst, Mode: mode}, "", ""
}

// checkDst returns why dst cannot be a destination in the image, or "".
func checkDst(dst string) string {
	if msg := checkLine(dst, false); msg != "" {
		return msg
	}
	if !strings.HasPrefix(dst, "/") {
		return fmt.Sprintf("destination %s must be an absolute path", quote(dst))
	}
	if slices.Contains(strings.Split(dst, "/"), "..") {
		return fmt.Sprintf("destination %s must not contain \"..\"", quote(dst))
	}
	if path.Clean(dst) != dst || dst == "/" {
		return fmt.Sprintf("destination %s must be a clean path to a file (like %s)", quote(dst), quote(path.Clean(dst)))
	}
	return ""
}
