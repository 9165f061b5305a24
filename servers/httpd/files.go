package httpd

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// filesModTime is the modification time of every file under /files/ and of
// /bytes/{n}: 2024-01-01T00:00:00Z, as the package documentation says.
var filesModTime = time.Date(2024, time.January, 1, 0, 0, 0, 0, time.UTC)

// LargeFileSize is the size of /files/large-1m.bin.
const LargeFileSize = 1 << 20

// tree is the read-only in-memory tree under /files/.
type tree struct {
	nodes map[string]*node // by slash path without leading or trailing slash; "" is the root
}

type node struct {
	dir      bool
	data     []byte // the content, unless pattern
	pattern  bool   // the content is size bytes of the byte pattern
	size     int64
	ctype    string
	etag     string
	children []string // names, sorted
}

// patternFiles are the files of the tree made of the byte pattern, by path,
// with their sizes. They are generated as they are read, so an idle server
// holds none of their bytes.
var patternFiles = map[string]int64{"large-1m.bin": LargeFileSize}

// fileContents are the other files of the tree, by path.
func fileContents() map[string][]byte {
	return map[string][]byte{
		"hello.txt": []byte("Hello, testbed!\n"),
		"index.html": []byte("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>testbed</title></head>\n" +
			"<body><h1>It works!</h1><p>This is /files/index.html of the testbed http server.</p></body></html>\n"),
		"utf8.txt":         []byte("UTF-8: héllo wörld, Ελληνικά, русский, 日本語, emoji 🙂\n"),
		"empty.txt":        {},
		"dir/nested.txt":   []byte("nested file in /files/dir/\n"),
		"dir/sub/deep.txt": []byte("deep file in /files/dir/sub/\n"),
	}
}

// staticTree is the tree, built by the first server and shared by every
// other: it never changes.
var staticTree = sync.OnceValue(newTree)

func newTree() *tree {
	t := &tree{nodes: map[string]*node{"": {dir: true}}}
	for p, data := range fileContents() {
		sum := sha256.Sum256(data)
		t.add(p, &node{data: data, size: int64(len(data)), ctype: contentType(p), etag: `"` + hex.EncodeToString(sum[:8]) + `"`})
	}
	for p, size := range patternFiles {
		// The content is a function of the size alone, and so is the tag.
		t.add(p, &node{pattern: true, size: size, ctype: contentType(p), etag: fmt.Sprintf(`"pattern%d-%d"`, patternPeriod, size)})
	}
	for _, n := range t.nodes {
		sort.Strings(n.children)
	}
	return t
}

// add puts file n at slash path p, making its parent directories.
func (t *tree) add(p string, n *node) {
	t.nodes[p] = n
	// Make the parents and link each child once.
	for child := p; child != ""; {
		parent := path.Dir(child)
		if parent == "." {
			parent = ""
		}
		pn, ok := t.nodes[parent]
		if !ok {
			pn = &node{dir: true}
			t.nodes[parent] = pn
		}
		name := path.Base(child)
		if !slices.Contains(pn.children, name) {
			pn.children = append(pn.children, name)
		}
		child = parent
	}
}

// content reads file n from the start.
func (n *node) content() io.ReadSeeker {
	if n.pattern {
		return &patternReader{size: n.size}
	}
	return bytes.NewReader(n.data)
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".txt":
		return "text/plain; charset=utf-8"
	case ".html":
		return "text/html; charset=utf-8"
	default:
		return "application/octet-stream"
	}
}

func (s *Server) handleFiles(w http.ResponseWriter, r *http.Request) {
	rel := strings.TrimPrefix(r.URL.Path, "/files/")
	n, ok := s.files.nodes[strings.TrimSuffix(rel, "/")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if !n.dir {
		if strings.HasSuffix(rel, "/") {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", n.ctype)
		h.Set("ETag", n.etag)
		http.ServeContent(w, r, "", filesModTime, n.content())
		return
	}
	if rel != "" && !strings.HasSuffix(rel, "/") {
		// Relative links in the listing need the trailing slash.
		http.Redirect(w, r, path.Base(r.URL.Path)+"/", http.StatusMovedPermanently)
		return
	}
	body := s.files.listing(r.URL.Path, n)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	http.ServeContent(w, r, "", filesModTime, bytes.NewReader(body))
}

// listing is the HTML index of directory n at urlPath.
func (t *tree) listing(urlPath string, n *node) []byte {
	var b bytes.Buffer
	title := html.EscapeString("Index of " + urlPath)
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>%s</title></head><body>\n<h1>%s</h1>\n<ul>\n", title, title)
	if urlPath != "/files/" {
		b.WriteString("<li><a href=\"../\">../</a></li>\n")
	}
	dir := strings.Trim(strings.TrimPrefix(urlPath, "/files/"), "/")
	for _, name := range n.children {
		p := name
		if dir != "" {
			p = dir + "/" + name
		}
		c := t.nodes[p]
		href, label, size := url.PathEscape(name), html.EscapeString(name), ""
		if c.dir {
			href, label = href+"/", label+"/"
		} else {
			size = fmt.Sprintf(" (%d bytes)", c.size)
		}
		fmt.Fprintf(&b, "<li><a href=\"%s\">%s</a>%s</li>\n", href, label, size)
	}
	b.WriteString("</ul>\n</body></html>\n")
	return b.Bytes()
}
