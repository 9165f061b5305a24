package httpd

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"net/http"
	"strings"
	"time"
)

// nonceLifetime is how long a Digest nonce is accepted; an older one gets a
// new challenge with stale=true.
const nonceLifetime = 10 * time.Minute

// digestAuth checks Digest credentials (RFC 7616). Nonces are stateless: the
// time they were made and an HMAC of it under a per-server key, so any nonce
// the server made verifies without a table; replayed nonce counts are not
// detected.
type digestAuth struct {
	key                   []byte
	realm, user, password string
	opaque                string
	now                   func() time.Time
}

// digestAlgorithms are offered in this order, the preferred first.
var digestAlgorithms = []string{"SHA-256", "MD5"}

func newDigestAuth(key []byte, realm, user, password string) *digestAuth {
	d := &digestAuth{key: key, realm: realm, user: user, password: password, now: time.Now}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("opaque"))
	d.opaque = hex.EncodeToString(m.Sum(nil)[:16])
	return d
}

// nonce makes a nonce for the current time.
func (d *digestAuth) nonce() string {
	var buf [8 + 16]byte
	binary.BigEndian.PutUint64(buf[:8], uint64(d.now().UnixNano()))
	copy(buf[8:], d.nonceMAC(buf[:8]))
	return base64.RawURLEncoding.EncodeToString(buf[:])
}

func (d *digestAuth) nonceMAC(stamp []byte) []byte {
	m := hmac.New(sha256.New, d.key)
	m.Write([]byte("nonce:"))
	m.Write(stamp)
	return m.Sum(nil)[:16]
}

// checkNonce reports whether nonce was made by this server, and whether it
// is too old.
func (d *digestAuth) checkNonce(nonce string) (valid, stale bool) {
	buf, err := base64.RawURLEncoding.DecodeString(nonce)
	if err != nil || len(buf) != 24 || !hmac.Equal(buf[8:], d.nonceMAC(buf[:8])) {
		return false, false
	}
	made := time.Unix(0, int64(binary.BigEndian.Uint64(buf[:8])))
	age := d.now().Sub(made)
	return true, age > nonceLifetime || age < -time.Minute
}

// challenges are the WWW-Authenticate values of a 401, one per algorithm.
func (d *digestAuth) challenges(stale bool) []string {
	nonce := d.nonce()
	out := make([]string, 0, len(digestAlgorithms))
	for _, alg := range digestAlgorithms {
		c := `Digest realm="` + d.realm + `", qop="auth", algorithm=` + alg +
			`, nonce="` + nonce + `", opaque="` + d.opaque + `", charset=UTF-8`
		if stale {
			c += ", stale=true"
		}
		out = append(out, c)
	}
	return out
}

// digestResult is the outcome of checking a request.
type digestResult struct {
	ok        bool
	stale     bool   // the nonce was good but old: challenge again with stale=true
	bad       string // the request is malformed (400), not just unauthorized
	algorithm string
	authInfo  string // Authentication-Info of a success
}

// check verifies the request's Digest credentials.
func (d *digestAuth) check(r *http.Request) digestResult {
	header := r.Header.Get("Authorization")
	if header == "" {
		return digestResult{}
	}
	p, err := parseDigest(header)
	if err != nil {
		return digestResult{}
	}
	for _, k := range []string{"username", "realm", "nonce", "uri", "response"} {
		if p[k] == "" {
			return digestResult{bad: "digest: missing " + k}
		}
	}
	if p["uri"] != r.RequestURI && p["uri"] != r.URL.RequestURI() {
		return digestResult{bad: "digest: uri does not match the request"}
	}
	alg := p["algorithm"]
	if alg == "" {
		alg = "MD5"
	}
	base, sess := strings.CutSuffix(strings.ToUpper(alg), "-SESS")
	var newHash func() hash.Hash
	switch base {
	case "MD5":
		newHash = md5.New
	case "SHA-256":
		newHash = sha256.New
	default:
		return digestResult{}
	}
	if p["userhash"] == "true" || p["realm"] != d.realm || !equal(p["username"], d.user) {
		return digestResult{}
	}
	if op, ok := p["opaque"]; ok && op != d.opaque {
		return digestResult{}
	}
	valid, stale := d.checkNonce(p["nonce"])
	if !valid {
		return digestResult{}
	}
	qop, nc, cnonce := p["qop"], p["nc"], p["cnonce"]
	switch qop {
	case "auth":
		if len(nc) != 8 || !isHex(nc) || cnonce == "" {
			return digestResult{bad: "digest: qop=auth needs nc (8 hex digits) and cnonce"}
		}
	case "":
		if sess {
			return digestResult{bad: "digest: " + alg + " needs qop"}
		}
	default:
		return digestResult{}
	}
	h := func(parts ...string) string {
		m := newHash()
		m.Write([]byte(strings.Join(parts, ":")))
		return hex.EncodeToString(m.Sum(nil))
	}
	ha1 := h(d.user, d.realm, d.password)
	if sess {
		ha1 = h(ha1, p["nonce"], cnonce)
	}
	var want string
	if qop == "" {
		want = h(ha1, p["nonce"], h(r.Method, p["uri"]))
	} else {
		want = h(ha1, p["nonce"], nc, cnonce, qop, h(r.Method, p["uri"]))
	}
	if !equal(strings.ToLower(p["response"]), want) {
		return digestResult{}
	}
	if stale {
		return digestResult{stale: true}
	}
	res := digestResult{ok: true, algorithm: alg}
	if qop != "" {
		rspauth := h(ha1, p["nonce"], nc, cnonce, qop, h("", p["uri"]))
		res.authInfo = `rspauth="` + rspauth + `", qop=` + qop + `, nc=` + nc + `, cnonce="` + quoteEscape(cnonce) + `"`
	}
	return res
}

func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil
}

// quoteEscape escapes a value for a quoted-string.
func quoteEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
}

func (s *Server) handleDigest(w http.ResponseWriter, r *http.Request) {
	res := s.digest.check(r)
	switch {
	case res.bad != "":
		http.Error(w, res.bad, http.StatusBadRequest)
	case res.ok:
		if res.authInfo != "" {
			w.Header().Set("Authentication-Info", res.authInfo)
		}
		writeJSON(w, http.StatusOK, authReply{Authenticated: true, User: s.user, Scheme: "Digest", Algorithm: res.algorithm})
	default:
		for _, c := range s.digest.challenges(res.stale) {
			w.Header().Add("WWW-Authenticate", c)
		}
		http.Error(w, "401 Unauthorized: Digest credentials required", http.StatusUnauthorized)
	}
}
