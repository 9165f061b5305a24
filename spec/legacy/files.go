package legacy

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"github.com/testbed-dev/testbed/spec"
)

// parseCopies reads "copy": a list of {src, dst, mode}. src resolves against
// the folder of file. Each entry is then held to [spec.CheckFile], the rule
// [spec.Testbed.Validate] applies to files, so what Load accepts Validate
// accepts too; only the shape of an entry is legacy's own.
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
		f, written, sub, msg := parseCopy(filepath.Dir(file), item)
		if msg != "" {
			if sub != "" {
				field += "." + sub
			}
			p.add(file, line, server, field, "%s", msg)
			continue
		}
		ok := true
		spec.CheckFile(f, func(part, msg string) {
			if part == "src" && written != f.Src {
				msg += " (written as " + quote(written) + ")"
			}
			p.add(file, line, server, field+"."+part, "%s", msg)
			ok = false
		})
		if ok {
			out = append(out, f)
		}
	}
	return out
}

// parseCopy reads the shape of one copy entry: the source resolved against
// dir (written is how the entry gave it), a destination ending in "/"
// completed with the source's base name, the mode parsed. On a problem it
// returns the sub-field and the message.
func parseCopy(dir string, item any) (f spec.File, written, field, msg string) {
	m, ok := item.(map[string]any)
	if !ok {
		return f, "", "", fmt.Sprintf("want an object {\"src\", \"dst\", \"mode\"}, got %s", kind(item))
	}
	var unknown []string
	for k := range m {
		if k != "src" && k != "dst" && k != "mode" {
			unknown = append(unknown, quote(k))
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return f, "", "", "unknown keys " + strings.Join(unknown, ", ") + " (known: src, dst, mode)"
	}

	written, ok = m["src"].(string)
	if !ok || written == "" {
		return f, "", "src", "want the source file as a non-empty string"
	}
	src := written
	if !filepath.IsAbs(src) {
		src = filepath.Join(dir, src)
	}
	src = filepath.Clean(src)

	dst, ok := m["dst"].(string)
	if !ok || dst == "" {
		return f, "", "dst", "want the destination path in the image as a non-empty string"
	}
	if strings.HasSuffix(dst, "/") {
		dst += filepath.Base(src)
	}

	var mode fs.FileMode
	var err error
	switch v := m["mode"].(type) {
	case nil:
	case string:
		mode, err = spec.ParseMode(v)
	case json.Number:
		mode, err = spec.ParseMode(v.String())
	default:
		return f, "", "mode", fmt.Sprintf("want octal digits like \"0644\", got %s", kind(v))
	}
	if err != nil {
		return f, "", "mode", err.Error()
	}
	return spec.File{Src: src, Dst: dst, Mode: mode}, written, "", ""
}
