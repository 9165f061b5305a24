package httpd

import (
	"crypto/subtle"
	"net/http"
)

// authReply is the JSON body of a successful authentication.
type authReply struct {
	Authenticated bool   `json:"authenticated"`
	User          string `json:"user"`
	Scheme        string `json:"scheme"`
	Algorithm     string `json:"algorithm,omitempty"`
}

func (s *Server) handleBasic(w http.ResponseWriter, r *http.Request) {
	user, pass, ok := r.BasicAuth()
	if !ok || !equal(user, s.user) || !equal(pass, s.password) {
		w.Header().Set("WWW-Authenticate", `Basic realm="`+Realm+`", charset="UTF-8"`)
		http.Error(w, "401 Unauthorized: Basic credentials required\n", http.StatusUnauthorized)
		return
	}
	writeJSON(w, http.StatusOK, authReply{Authenticated: true, User: user, Scheme: "Basic"})
}

// equal compares secrets in constant time.
func equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
