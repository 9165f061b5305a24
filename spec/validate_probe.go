package spec

import (
	"fmt"
	"regexp"
	"strings"
)

// Validate checks a probe on its own, as [Testbed.Validate] checks ready:.
// Errors name fields relative to the probe ("http.port").
func (p *Probe) Validate() error {
	var errs Problems
	checkProbe(p, "", 0, func(field, msg string) { errs.Add(&Error{Field: field, Msg: msg}) })
	return errs.Err()
}

// probeKinds names the kinds p sets.
func probeKinds(p *Probe) []string {
	var set []string
	add := func(on bool, name string) {
		if on {
			set = append(set, name)
		}
	}
	add(p.TCP != nil, "tcp")
	add(p.HTTP != nil, "http")
	add(p.TLS != nil, "tls")
	add(p.Banner != nil, "banner")
	add(p.Exec != nil, "exec")
	add(p.Log != nil, "log")
	add(p.Health, "health")
	add(p.All != nil, "all")
	add(p.Any != nil, "any")
	add(p.Echo != nil, "echo")
	add(p.Exited, "exited")
	return set
}

// checkProbe reports every problem of p, with fields under field.
func checkProbe(p *Probe, field string, depth int, report func(field, msg string)) {
	if p == nil {
		report(field, "empty probe")
		return
	}
	if depth > maxProbeDepth {
		report(field, fmt.Sprintf("probes nested more than %d deep", maxProbeDepth))
		return
	}
	switch set := probeKinds(p); len(set) {
	case 0:
		report(field, "probe needs one of "+strings.Join(probeKeys, ", "))
	case 1:
	default:
		report(field, fmt.Sprintf("probe sets %s; give exactly one (combine probes with all: or any:)", strings.Join(set, " and ")))
	}
	port := func(f string, n int) {
		if msg := checkPortNumber(n); msg != "" {
			report(joinField(field, f), msg)
		}
	}
	if p.TCP != nil {
		port("tcp.port", p.TCP.Port)
	}
	if p.TLS != nil {
		port("tls.port", p.TLS.Port)
	}
	if p.Echo != nil {
		port("echo.port", p.Echo.Port)
	}
	if h := p.HTTP; h != nil {
		port("http.port", h.Port)
		if msg := checkURLPath(h.Path); msg != "" {
			report(joinField(field, "http.path"), msg)
		}
		if h.Status != 0 && (h.Status < 100 || h.Status > 599) {
			report(joinField(field, "http.status"), fmt.Sprintf("status %d out of range 100-599", h.Status))
		}
	}
	if b := p.Banner; b != nil {
		port("banner.port", b.Port)
		if msg := checkPattern(b.Expect); msg != "" {
			report(joinField(field, "banner.expect"), msg)
		}
		if msg := checkData(b.Send); msg != "" {
			report(joinField(field, "banner.send"), msg)
		}
	}
	if e := p.Exec; e != nil {
		if len(e.Command) == 0 {
			report(joinField(field, "exec.command"), "empty command")
		}
		for i, a := range e.Command {
			if msg := checkData(a); msg != "" {
				report(fmt.Sprintf("%s[%d]", joinField(field, "exec.command"), i), msg)
			}
		}
	}
	if l := p.Log; l != nil {
		if msg := checkPattern(l.Pattern); msg != "" {
			report(joinField(field, "log.pattern"), msg)
		}
	}
	for _, sub := range []struct {
		name  string
		list  []*Probe
		isSet bool
	}{{"all", p.All, p.All != nil}, {"any", p.Any, p.Any != nil}} {
		if !sub.isSet {
			continue
		}
		f := joinField(field, sub.name)
		if len(sub.list) == 0 {
			report(f, "needs at least one probe")
		}
		for i, q := range sub.list {
			checkProbe(q, fmt.Sprintf("%s[%d]", f, i), depth+1, report)
		}
	}
}

// maxPattern bounds a regular expression's length.
const maxPattern = 4096

// checkPattern returns why s is not a usable regular expression, or "".
func checkPattern(s string) string {
	switch {
	case s == "":
		return "empty pattern"
	case len(s) > maxPattern:
		return fmt.Sprintf("pattern longer than %d bytes", maxPattern)
	case checkText(s) != "":
		return checkText(s) + " (write \\n, \\t, \\x00 in the pattern instead)"
	}
	if _, err := regexp.Compile(s); err != nil {
		return fmt.Sprintf("invalid regular expression %s: %v", Quote(s), err)
	}
	return ""
}

// checkURLPath returns why s is not an HTTP request path, or "": it starts
// with "/" and holds only URL path and query characters (others
// percent-encoded).
func checkURLPath(s string) string {
	if s == "" {
		return ""
	}
	if s[0] != '/' {
		return fmt.Sprintf("path %s must start with /", Quote(s))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("-._~!$&'()*+,;=:@/?", c) >= 0:
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
		case c >= 0x80:
			return fmt.Sprintf("path %s: non-ASCII characters must be percent-encoded", Quote(s))
		default:
			return fmt.Sprintf("path %s: character %+q must be percent-encoded", Quote(s), rune(c))
		}
	}
	return ""
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
