package httpd

import (
	"errors"
	"fmt"
	"strings"
)

// parseDigest parses an Authorization header of the Digest scheme (RFC 7616
// section 3.4) into its parameters, names lower-cased, quoted values
// unescaped. A parameter given twice is an error.
func parseDigest(header string) (map[string]string, error) {
	s := strings.TrimLeft(header, " \t")
	const scheme = "digest"
	if len(s) <= len(scheme) || !strings.EqualFold(s[:len(scheme)], scheme) || (s[len(scheme)] != ' ' && s[len(scheme)] != '\t') {
		return nil, errors.New("not a Digest authorization")
	}
	s = s[len(scheme):]
	params := map[string]string{}
	i := 0
	for {
		// Skip separators: optional white space and empty list elements.
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == ',') {
			i++
		}
		if i == len(s) {
			break
		}
		start := i
		for i < len(s) && isTokenChar(s[i]) {
			i++
		}
		if i == start {
			return nil, fmt.Errorf("bad character %q at %d", s[i], i)
		}
		name := strings.ToLower(s[start:i])
		i = skipSpace(s, i)
		if i == len(s) || s[i] != '=' {
			return nil, fmt.Errorf("parameter %q without a value", name)
		}
		i = skipSpace(s, i+1)
		var value string
		if i < len(s) && s[i] == '"' {
			var b strings.Builder
			i++
			closed := false
			for i < len(s) {
				c := s[i]
				i++
				if c == '"' {
					closed = true
					break
				}
				if c == '\\' {
					if i == len(s) {
						break
					}
					c = s[i]
					i++
				}
				b.WriteByte(c)
			}
			if !closed {
				return nil, fmt.Errorf("parameter %q: unterminated quoted string", name)
			}
			value = b.String()
		} else {
			vs := i
			for i < len(s) && isTokenChar(s[i]) {
				i++
			}
			if i == vs {
				return nil, fmt.Errorf("parameter %q: empty value", name)
			}
			value = s[vs:i]
		}
		if _, dup := params[name]; dup {
			return nil, fmt.Errorf("parameter %q given twice", name)
		}
		params[name] = value
		i = skipSpace(s, i)
		if i < len(s) && s[i] != ',' {
			return nil, fmt.Errorf("parameter %q: junk after value", name)
		}
	}
	return params, nil
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// isTokenChar reports whether c is a tchar of RFC 9110 section 5.6.2.
func isTokenChar(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}
