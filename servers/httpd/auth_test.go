package httpd

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestBasic(t *testing.T) {
	ts := startServer(t, Options{User: "alice", Password: "s3cret"})
	tests := []struct {
		name, user, pass string
		status           int
	}{
		{"good", "alice", "s3cret", 200},
		{"bad password", "alice", "wrong", 401},
		{"bad user", "bob", "s3cret", 401},
		{"empty", "", "", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", ts.url+"/auth/basic/area", nil)
			req.SetBasicAuth(tt.user, tt.pass)
			resp, err := ts.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.status)
			}
			if tt.status == 401 && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), `Basic realm="testbed"`) {
				t.Errorf("WWW-Authenticate = %q, want a Basic challenge", resp.Header.Get("WWW-Authenticate"))
			}
		})
	}
}

var challengeParam = regexp.MustCompile(`(\w+)=(?:"([^"]*)"|([^,\s]+))`)

// parseChallenge reads the parameters of a Digest challenge (test-only,
// independent of parseDigest).
func parseChallenge(t *testing.T, c string) map[string]string {
	t.Helper()
	if !strings.HasPrefix(c, "Digest ") {
		t.Fatalf("challenge %q is not Digest", c)
	}
	out := map[string]string{}
	for _, m := range challengeParam.FindAllStringSubmatch(c, -1) {
		out[m[1]] = m[2] + m[3]
	}
	return out
}

// digestClient answers a challenge like RFC 7616 section 3.4 says.
type digestClient struct {
	user, pass, algorithm string // algorithm as it should be sent
	cnonce                string
	nc                    int
}

func (d *digestClient) authorization(ch map[string]string, method, uri string) string {
	var newHash func() hash.Hash = md5.New
	if strings.HasPrefix(d.algorithm, "SHA-256") {
		newHash = sha256.New
	}
	h := func(parts ...string) string {
		m := newHash()
		m.Write([]byte(strings.Join(parts, ":")))
		return hex.EncodeToString(m.Sum(nil))
	}
	d.nc++
	nc := fmt.Sprintf("%08x", d.nc)
	ha1 := h(d.user, ch["realm"], d.pass)
	if strings.HasSuffix(d.algorithm, "-sess") {
		ha1 = h(ha1, ch["nonce"], d.cnonce)
	}
	resp := h(ha1, ch["nonce"], nc, d.cnonce, "auth", h(method, uri))
	return fmt.Sprintf(`Digest username="%s", realm="%s", nonce="%s", uri="%s", algorithm=%s, qop=auth, nc=%s, cnonce="%s", response="%s", opaque="%s"`,
		d.user, ch["realm"], ch["nonce"], uri, d.algorithm, nc, d.cnonce, resp, ch["opaque"])
}

// challenge fetches the 401 and returns the challenge offering algorithm.
func challenge(t *testing.T, ts *testServer, uri, algorithm string) map[string]string {
	t.Helper()
	resp, _ := do(t, ts.client, "GET", ts.url+uri, nil, nil)
	if resp.StatusCode != 401 {
		t.Fatalf("GET %s without credentials = %d, want 401", uri, resp.StatusCode)
	}
	chs := resp.Header.Values("WWW-Authenticate")
	if len(chs) != 2 {
		t.Fatalf("WWW-Authenticate = %q, want two challenges", chs)
	}
	for _, c := range chs {
		p := parseChallenge(t, c)
		if p["qop"] != "auth" || p["nonce"] == "" || p["opaque"] == "" || p["realm"] != Realm {
			t.Errorf("challenge %q lacks qop=auth, nonce, opaque or realm", c)
		}
		if strings.EqualFold(p["algorithm"], strings.TrimSuffix(algorithm, "-sess")) {
			return p
		}
	}
	t.Fatalf("no challenge with algorithm %s in %q", algorithm, chs)
	return nil
}

func TestDigest(t *testing.T) {
	ts := startServer(t, Options{})
	const uri = "/auth/digest/area?x=1"
	tests := []struct {
		name, algorithm, pass string
		status                int
	}{
		{"SHA-256", "SHA-256", "httptest", 200},
		{"MD5", "MD5", "httptest", 200},
		{"MD5-sess", "MD5-sess", "httptest", 200},
		{"SHA-256-sess", "SHA-256-sess", "httptest", 200},
		{"SHA-256 bad password", "SHA-256", "wrong", 401},
		{"MD5 bad password", "MD5", "wrong", 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch := challenge(t, ts, uri, tt.algorithm)
			dc := &digestClient{user: "httptest", pass: tt.pass, algorithm: tt.algorithm, cnonce: "0a4f113b"}
			for range 2 { // the nonce is reused with a higher nc
				resp, body := do(t, ts.client, "GET", ts.url+uri, nil,
					http.Header{"Authorization": {dc.authorization(ch, "GET", uri)}})
				if resp.StatusCode != tt.status {
					t.Fatalf("status = %d, want %d (%s)", resp.StatusCode, tt.status, body)
				}
				if tt.status != 200 {
					return
				}
				var got authReply
				if err := json.Unmarshal(body, &got); err != nil || !got.Authenticated || got.Algorithm != tt.algorithm {
					t.Errorf("body = %s, want authenticated with %s", body, tt.algorithm)
				}
				if !strings.Contains(resp.Header.Get("Authentication-Info"), "rspauth=") {
					t.Errorf("Authentication-Info = %q, want rspauth", resp.Header.Get("Authentication-Info"))
				}
			}
		})
	}

	t.Run("POST", func(t *testing.T) {
		ch := challenge(t, ts, uri, "SHA-256")
		dc := &digestClient{user: "httptest", pass: "httptest", algorithm: "SHA-256", cnonce: "abc"}
		resp, _ := do(t, ts.client, "POST", ts.url+uri, strings.NewReader("x"),
			http.Header{"Authorization": {dc.authorization(ch, "POST", uri)}})
		if resp.StatusCode != 200 {
			t.Errorf("POST status = %d, want 200", resp.StatusCode)
		}
	})

	t.Run("rejections", func(t *testing.T) {
		ch := challenge(t, ts, uri, "MD5")
		dc := &digestClient{user: "httptest", pass: "httptest", algorithm: "MD5", cnonce: "abc"}
		cases := []struct {
			name   string
			auth   func() string
			status int
		}{
			{"wrong uri", func() string { return dc.authorization(ch, "GET", "/auth/digest/other") }, 400},
			{"method mismatch", func() string { return dc.authorization(ch, "PUT", uri) }, 401},
			{"forged nonce", func() string {
				c := map[string]string{"realm": ch["realm"], "nonce": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "opaque": ch["opaque"]}
				return dc.authorization(c, "GET", uri)
			}, 401},
			{"wrong opaque", func() string {
				c := map[string]string{"realm": ch["realm"], "nonce": ch["nonce"], "opaque": "nope"}
				return dc.authorization(c, "GET", uri)
			}, 401},
			{"other user", func() string {
				o := &digestClient{user: "mallory", pass: "httptest", algorithm: "MD5", cnonce: "abc"}
				return o.authorization(ch, "GET", uri)
			}, 401},
			{"garbage", func() string { return `Digest username="x` }, 401},
			{"missing response", func() string { return `Digest username="httptest", realm="testbed", nonce="n", uri="` + uri + `"` }, 400},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				resp, _ := do(t, ts.client, "GET", ts.url+uri, nil, http.Header{"Authorization": {c.auth()}})
				if resp.StatusCode != c.status {
					t.Errorf("status = %d, want %d", resp.StatusCode, c.status)
				}
			})
		}
	})
}

func TestDigestStaleNonce(t *testing.T) {
	d := newDigestAuth([]byte("k"), Realm, "u", "p")
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	d.now = func() time.Time { return now }
	nonce := d.nonce()
	if valid, stale := d.checkNonce(nonce); !valid || stale {
		t.Fatalf("checkNonce(fresh) = %v, %v; want valid, not stale", valid, stale)
	}
	now = now.Add(nonceLifetime + time.Second)
	if valid, stale := d.checkNonce(nonce); !valid || !stale {
		t.Errorf("checkNonce(old) = %v, %v; want valid, stale", valid, stale)
	}
	other := newDigestAuth([]byte("other key"), Realm, "u", "p")
	if valid, _ := other.checkNonce(nonce); valid {
		t.Error("checkNonce() under another key = valid, want invalid")
	}
	if !strings.Contains(d.challenges(true)[0], "stale=true") {
		t.Errorf("challenges(stale) = %q, want stale=true", d.challenges(true))
	}
}

func TestDigestStaleThroughHandler(t *testing.T) {
	d := newDigestAuth([]byte("key"), Realm, "httptest", "httptest")
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	d.now = func() time.Time { return now }
	s := &Server{user: "httptest", password: "httptest", digest: d}
	ch := parseChallenge(t, d.challenges(false)[0])
	dc := &digestClient{user: "httptest", pass: "httptest", algorithm: "SHA-256", cnonce: "c"}
	const uri = "/auth/digest/"
	serve := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", uri, nil)
		req.Header.Set("Authorization", dc.authorization(ch, "GET", uri))
		rec := httptest.NewRecorder()
		s.handleDigest(rec, req)
		return rec
	}
	if rec := serve(); rec.Code != 200 {
		t.Fatalf("fresh nonce status = %d, want 200", rec.Code)
	}
	now = now.Add(nonceLifetime + time.Minute)
	rec := serve()
	if rec.Code != 401 || !strings.Contains(rec.Header().Get("WWW-Authenticate"), "stale=true") {
		t.Errorf("old nonce = %d %q, want 401 with stale=true", rec.Code, rec.Header().Values("WWW-Authenticate"))
	}
}
