package httpd

import (
	"maps"
	"strings"
	"testing"
)

func TestParseDigest(t *testing.T) {
	tests := []struct {
		in      string
		want    map[string]string
		wantErr bool
	}{
		{`Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=SHA-256, nc=00000001`,
			map[string]string{"username": "Mufasa", "realm": "http-auth@example.org", "uri": "/dir/index.html", "algorithm": "SHA-256", "nc": "00000001"}, false},
		{`digest  A = "x" ,, b=y,`, map[string]string{"a": "x", "b": "y"}, false},
		{`Digest a="with \"quote\" and \\ slash, comma"`, map[string]string{"a": `with "quote" and \ slash, comma`}, false},
		{`Digest a=""`, map[string]string{"a": ""}, false},
		{`Digest `, map[string]string{}, false},
		{`Basic dXNlcjpwYXNz`, nil, true},
		{`Digest`, nil, true},
		{`Digestive a=b`, nil, true},
		{`Digest a="unterminated`, nil, true},
		{`Digest a`, nil, true},
		{`Digest a=`, nil, true},
		{`Digest a=b c=d`, nil, true},
		{`Digest a=b, a=c`, nil, true},
		{`Digest =b`, nil, true},
	}
	for _, tt := range tests {
		got, err := parseDigest(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("parseDigest(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if !tt.wantErr && !maps.Equal(got, tt.want) {
			t.Errorf("parseDigest(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// FuzzParseDigest checks that the parser never panics and that what it
// accepts survives quoting back.
func FuzzParseDigest(f *testing.F) {
	f.Add(`Digest username="Mufasa", realm="x", nonce="n", uri="/", response="r", qop=auth, nc=00000001, cnonce="c"`)
	f.Add(`Digest a="\"\\", b=c`)
	f.Add(`Digest ,,,`)
	f.Fuzz(func(t *testing.T, in string) {
		p, err := parseDigest(in)
		if err != nil {
			return
		}
		var parts []string
		for k, v := range p {
			if k != strings.ToLower(k) || k == "" {
				t.Fatalf("parseDigest(%q) name %q not a lower-case token", in, k)
			}
			parts = append(parts, k+`="`+quoteEscape(v)+`"`)
		}
		again, err := parseDigest("Digest " + strings.Join(parts, ", "))
		if err != nil || !maps.Equal(again, p) {
			t.Fatalf("re-parse of %v = %v, %v", p, again, err)
		}
	})
}
