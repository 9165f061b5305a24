package spec

import (
	"fmt"
	"regexp"
	"strings"
)

// IsDNSLabel reports whether s is a lowercase DNS label: a-z, 0-9 and '-',
// 1-63 characters, not starting or ending with '-'. Server names are labels.
func IsDNSLabel(s string) bool {
	if len(s) < 1 || len(s) > 63 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-' && i > 0 && i < len(s)-1:
		default:
			return false
		}
	}
	return true
}

// IsDNSName reports whether s is a lowercase DNS name: dot-separated
// [IsDNSLabel] labels, at most 253 characters, no trailing dot, and a last
// label that is not all digits (so it cannot pass for an IP address).
func IsDNSName(s string) bool {
	if len(s) < 1 || len(s) > 253 {
		return false
	}
	labels := strings.Split(s, ".")
	for _, l := range labels {
		if !IsDNSLabel(l) {
			return false
		}
	}
	return strings.Trim(labels[len(labels)-1], "0123456789") != ""
}

// IsProjectName reports whether s can name a project: [a-z0-9][a-z0-9_-]*,
// at most 63 characters (it prefixes container and network names).
func IsProjectName(s string) bool {
	if len(s) < 1 || len(s) > 63 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case (c == '_' || c == '-') && i > 0:
		default:
			return false
		}
	}
	return true
}

// MaxEnvNameLen bounds environment variable and build argument names.
const MaxEnvNameLen = 255

// IsEnvName reports whether s is a portable environment variable (or build
// argument) name: [A-Za-z_][A-Za-z0-9_]*, at most [MaxEnvNameLen] bytes.
func IsEnvName(s string) bool {
	if s == "" || len(s) > MaxEnvNameLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// Image reference grammar, after the distribution reference grammar, kept
// strict: lowercase repository path, optional tag, optional sha256 digest.
var imageRefRE = func() *regexp.Regexp {
	const (
		domainPart = `(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])`
		host       = `(?:` + domainPart + `(?:\.` + domainPart + `)*|\[[a-fA-F0-9:]+\])`
		domain     = host + `(?::[0-9]{1,5})?`
		pathPart   = `[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`
		tag        = `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`
		digest     = `sha256:[a-f0-9]{64}`
	)
	return regexp.MustCompile(`^(?:` + domain + `/)?` + pathPart + `(?:/` + pathPart + `)*` +
		`(?::` + tag + `)?(?:@` + digest + `)?$`)
}()

// maxImageNameLen bounds the repository name of an image reference.
const maxImageNameLen = 255

// CheckImageRef reports whether ref is a valid image reference:
// [registry[:port]/]path[:tag][@sha256:hex], with a lowercase path.
func CheckImageRef(ref string) error {
	if ref == "" {
		return fmt.Errorf("empty image reference")
	}
	name := ref
	if i := strings.IndexByte(name, '@'); i >= 0 {
		name = name[:i]
	}
	if i := strings.LastIndexByte(name, ':'); i >= 0 && !strings.Contains(name[i:], "/") {
		name = name[:i]
	}
	if len(name) > maxImageNameLen || !imageRefRE.MatchString(ref) {
		return fmt.Errorf("invalid image reference %s: want [registry/]repository[:tag][@sha256:digest], repository in lowercase a-z, 0-9 and . _ -", Quote(ref))
	}
	return nil
}
