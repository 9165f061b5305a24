package proxy

import (
	"errors"
	"io"
	"net/http"
	"strconv"
)

// forward sends an absolute-URI request on to its origin and streams the
// answer back.
func (s *Server) forward(w http.ResponseWriter, r *http.Request) {
	if r.URL.Scheme != "http" {
		http.Error(w, "400 unsupported scheme "+strconv.Quote(r.URL.Scheme)+": use CONNECT for https", http.StatusBadRequest)
		return
	}
	dest := r.URL.Host
	out, err := http.NewRequestWithContext(r.Context(), r.Method, r.URL.String(), nil)
	if err != nil {
		http.Error(w, "400 bad request URI", http.StatusBadRequest)
		return
	}
	out.Header = endToEnd(r.Header)
	out.Header.Add("Via", s.via(r.ProtoMajor, r.ProtoMinor))
	out.Host = r.URL.Host
	if r.ContentLength != 0 {
		out.Body = r.Body
		out.ContentLength = r.ContentLength
	}
	// Stream the request body while the answer is already coming back.
	http.NewResponseController(w).EnableFullDuplex()

	resp, err := s.transport.RoundTrip(out)
	if err != nil {
		if r.Context().Err() != nil {
			return // the client went away or the server is closing
		}
		s.dialFailed(w, r, dest, err)
		return
	}
	defer resp.Body.Close()

	h := w.Header()
	for k, vs := range endToEnd(resp.Header) {
		h[k] = vs
	}
	h.Add("Via", s.via(resp.ProtoMajor, resp.ProtoMinor))
	if resp.ContentLength >= 0 && h.Get("Content-Length") == "" && bodyAllowed(resp.StatusCode) {
		h.Set("Content-Length", strconv.FormatInt(resp.ContentLength, 10))
	}
	w.WriteHeader(resp.StatusCode)
	// Send the header now: an origin that streams may be slow to send more.
	http.NewResponseController(w).Flush()
	n, err := copyFlush(w, resp.Body)
	s.log.Debug("proxied", "client", r.RemoteAddr, "method", r.Method, "uri", r.URL.String(),
		"status", resp.StatusCode, "bytes", n, "err", err)
	if err != nil {
		// The status line is gone; cutting the connection is the only way
		// left to tell the client its answer is incomplete.
		panic(http.ErrAbortHandler)
	}
}

func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}

// copyFlush copies body to w, flushing after every read so that slow or
// chunked answers reach the client as they come.
func copyFlush(w http.ResponseWriter, body io.Reader) (int64, error) {
	rc := http.NewResponseController(w)
	buf := make([]byte, 32<<10)
	var total int64
	for {
		n, rerr := body.Read(buf)
		if n > 0 {
			m, werr := w.Write(buf[:n])
			total += int64(m)
			if werr != nil {
				return total, werr
			}
			if err := rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
				return total, err
			}
		}
		if rerr == io.EOF {
			return total, nil
		}
		if rerr != nil {
			return total, rerr
		}
	}
}
