package httpd

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"unicode/utf8"
)

// maxEchoBody is the largest request body /echo reflects.
const maxEchoBody = 16 << 20

// EchoReply is the JSON body of /echo.
type EchoReply struct {
	Method     string              `json:"method"`
	Path       string              `json:"path"`
	URI        string              `json:"uri"`
	Query      map[string][]string `json:"query"`
	Headers    map[string][]string `json:"headers"`
	Body       string              `json:"body"`
	BodyBase64 string              `json:"body_base64,omitempty"` // set when the body is not valid UTF-8
	Host       string              `json:"host"`
	Proto      string              `json:"proto"`
	TLS        bool                `json:"tls"`
	RemoteAddr string              `json:"remote_addr"`
}

func handleEcho(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxEchoBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "echo: body larger than "+strconv.Itoa(maxEchoBody)+" bytes", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "echo: read body: "+err.Error(), http.StatusBadRequest)
		return
	}
	reply := EchoReply{
		Method:     r.Method,
		Path:       r.URL.Path,
		URI:        r.RequestURI,
		Query:      r.URL.Query(),
		Headers:    r.Header,
		Body:       string(body),
		Host:       r.Host,
		Proto:      r.Proto,
		TLS:        r.TLS != nil,
		RemoteAddr: r.RemoteAddr,
	}
	if !utf8.Valid(body) {
		reply.BodyBase64 = base64.StdEncoding.EncodeToString(body)
	}
	writeJSON(w, http.StatusOK, reply)
}

// writeJSON answers v as indented JSON with a Content-Length.
func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		http.Error(w, "encode json: "+err.Error(), http.StatusInternalServerError)
		return
	}
	data = append(data, '\n')
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

// gzipReply is the JSON inside /gzip.
type gzipReply struct {
	Gzipped bool                `json:"gzipped"`
	Method  string              `json:"method"`
	Headers map[string][]string `json:"headers"`
}

func handleGzip(w http.ResponseWriter, r *http.Request) {
	data, err := json.MarshalIndent(gzipReply{Gzipped: true, Method: r.Method, Headers: r.Header}, "", "  ")
	if err != nil {
		http.Error(w, "encode json: "+err.Error(), http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(append(data, '\n'))
	if err := zw.Close(); err != nil {
		http.Error(w, "gzip: "+err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Encoding", "gzip")
	h.Set("Vary", "Accept-Encoding")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(buf.Bytes())
}
