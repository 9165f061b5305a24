package httpd

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Limits of the misc endpoints.
const (
	maxDelay     = 60 * time.Second
	maxRedirects = 1 << 20
	maxChunks    = 1000
	defaultChunk = 5
)

// handleStatus answers the status in the path. A 1xx code other than 101 is
// sent as an informational response followed by 200, since HTTP has no final
// 1xx response; 101 cannot be sent without an upgrade and answers 200 too.
// 3xx codes (but 304) carry Location: / and 401 a Basic challenge.
func handleStatus(w http.ResponseWriter, r *http.Request) {
	code, err := strconv.Atoi(r.PathValue("code"))
	if err != nil || code < 100 || code > 599 {
		http.Error(w, "status: code must be from 100 to 599", http.StatusBadRequest)
		return
	}
	if code == http.StatusSwitchingProtocols {
		writeText(w, "101 needs a protocol upgrade; answered 200 instead\n")
		return
	}
	if code < 200 {
		w.WriteHeader(code)
		writeText(w, fmt.Sprintf("sent %d as an informational response\n", code))
		return
	}
	h := w.Header()
	switch {
	case code >= 300 && code < 400 && code != http.StatusNotModified:
		h.Set("Location", "/")
	case code == http.StatusUnauthorized:
		h.Set("WWW-Authenticate", `Basic realm="`+Realm+`"`)
	}
	if code == http.StatusNoContent || code == http.StatusNotModified {
		w.WriteHeader(code)
		return
	}
	body := fmt.Sprintf("%d %s\n", code, http.StatusText(code))
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	_, _ = w.Write([]byte(body))
}

func handleRedirect(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 0 || n > maxRedirects {
		http.Error(w, "redirect: n must be from 0 to "+strconv.Itoa(maxRedirects), http.StatusBadRequest)
		return
	}
	if n == 0 {
		writeText(w, "redirects done\n")
		return
	}
	w.Header().Set("Location", "/redirect/"+strconv.Itoa(n-1))
	w.WriteHeader(http.StatusFound)
}

func handleDelay(w http.ResponseWriter, r *http.Request) {
	ms, err := strconv.Atoi(r.PathValue("ms"))
	if err != nil || ms < 0 {
		http.Error(w, "delay: ms must be a non-negative integer", http.StatusBadRequest)
		return
	}
	d := min(time.Duration(ms)*time.Millisecond, maxDelay)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
		return
	}
	writeText(w, fmt.Sprintf("delayed %d ms\n", d.Milliseconds()))
}

func handleChunked(w http.ResponseWriter, r *http.Request) {
	n := defaultChunk
	if q := r.URL.Query().Get("chunks"); q != "" {
		v, err := strconv.Atoi(q)
		if err != nil || v < 1 || v > maxChunks {
			http.Error(w, "chunked: chunks must be from 1 to "+strconv.Itoa(maxChunks), http.StatusBadRequest)
			return
		}
		n = v
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	rc := http.NewResponseController(w)
	for i := 1; i <= n; i++ {
		if _, err := fmt.Fprintf(w, "chunk %d of %d\n", i, n); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

// writeText answers 200 with a short text body.
func writeText(w http.ResponseWriter, body string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write([]byte(body))
}
