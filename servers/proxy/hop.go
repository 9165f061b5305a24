package proxy

import (
	"net/http"
	"net/textproto"
	"strings"
)

// hopHeaders are the hop-by-hop headers a proxy must not forward
// (RFC 9110 section 7.6.1, plus the non-standard Proxy-Connection).
var hopHeaders = []string{
	"Connection",
	"Proxy-Connection",
	"Keep-Alive",
	"Proxy-Authenticate",
	"Proxy-Authorization",
	"Te",
	"Trailer",
	"Transfer-Encoding",
	"Upgrade",
}

// endToEnd returns a copy of h without hop-by-hop headers, including those
// named in its Connection header.
func endToEnd(h http.Header) http.Header {
	out := h.Clone()
	if out == nil {
		out = http.Header{}
	}
	for _, v := range h.Values("Connection") {
		for _, name := range strings.Split(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				out.Del(textproto.CanonicalMIMEHeaderKey(name))
			}
		}
	}
	for _, name := range hopHeaders {
		out.Del(name)
	}
	return out
}
