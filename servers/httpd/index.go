package httpd

import (
	"bytes"
	"html"
	"net/http"
	"strconv"
)

// endpoint is one line of the index page.
type endpoint struct {
	method, path, example, about string
}

var endpoints = []endpoint{
	{"GET", "/files/", "/files/", "a fixed tree of files (Range, conditional requests); directories are listed"},
	{"GET", "/bytes/{n}", "/bytes/1024", "n bytes where byte i is i % 251 (Range supported)"},
	{"ANY", "/echo", "/echo?a=1", "the request as JSON"},
	{"ANY", "/status/{code}", "/status/418", "answers that status code"},
	{"ANY", "/redirect/{n}", "/redirect/3", "n redirects (302) then 200"},
	{"ANY", "/delay/{ms}", "/delay/100", "answers after ms milliseconds (at most 60000)"},
	{"GET", "/chunked", "/chunked?chunks=5", "a body in flushed chunks"},
	{"GET", "/gzip", "/gzip", "a gzip-encoded JSON body"},
	{"ANY", "/auth/basic/", "/auth/basic/", "Basic authentication"},
	{"ANY", "/auth/digest/", "/auth/digest/", "Digest authentication (SHA-256, MD5)"},
	{"PUT GET DELETE", "/upload/{name}", "/upload/example.bin", "store, fetch and remove a file"},
}

// renderIndex is the body of GET /.
func renderIndex() []byte {
	var b bytes.Buffer
	b.WriteString("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>testbed http</title></head><body>\n")
	b.WriteString("<h1>testbed http server</h1>\n<table>\n")
	for _, e := range endpoints {
		b.WriteString("<tr><td>" + html.EscapeString(e.method) + "</td><td><a href=\"" +
			html.EscapeString(e.example) + "\">" + html.EscapeString(e.path) + "</a></td><td>" +
			html.EscapeString(e.about) + "</td></tr>\n")
	}
	b.WriteString("</table>\n<p>Auth areas take user and password given to the server (default httptest / httptest).</p>\n</body></html>\n")
	return b.Bytes()
}

func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(s.index)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(s.index)
}
