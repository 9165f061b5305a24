package spec

import (
	"fmt"
	"regexp"
	"strings"
)

// Validate checks a probe on its own, as [Testbed.Validate] checks ready:,
// by the rules of [ProbeKinds]. Errors name fields relative to the probe
// ("http.port").
func (p *Probe) Validate() error {
	var errs Problems
	checkProbe(p, "", 0, func(field, msg string) { errs.Add(&Error{Field: field, Msg: msg}) })
	return errs.Err()
}

// CheckRunnable checks that p can run: every rule of [Probe.Validate], in
// its words, but those that keep a spec file's text clean (no control
// character in a pattern, no NUL in banner.send), so a probe written in Go
// may send and expect binary bytes, like a SOCKS5 greeting. probe.FromSpec
// applies it to every probe it builds; [Testbed.Validate] applies all the
// rules to what a spec file says.
func (p *Probe) CheckRunnable() error {
	var errs Problems
	checkProbeRules(p, "", 0, false, func(field, msg string) { errs.Add(&Error{Field: field, Msg: msg}) })
	return errs.Err()
}

// checkProbe reports every problem of p, a spec's, with fields under field.
func checkProbe(p *Probe, field string, depth int, report func(field, msg string)) {
	checkProbeRules(p, field, depth, true, report)
}

// checkProbeRules reports every problem of p with fields under field; text
// adds the rules for a spec file's text.
func checkProbeRules(p *Probe, field string, depth int, text bool, report func(field, msg string)) {
	if p == nil {
		report(field, "empty probe")
		return
	}
	if depth > MaxProbeDepth {
		report(field, fmt.Sprintf("probes nested more than %d deep", MaxProbeDepth))
		return
	}
	set := p.Kinds()
	switch len(set) {
	case 0:
		report(field, "probe needs one of "+strings.Join(ProbeKindNames(), ", "))
	case 1:
	default:
		names := make([]string, len(set))
		for i, k := range set {
			names[i] = k.Name
		}
		report(field, fmt.Sprintf("probe sets %s; give exactly one (combine probes with all: or any:)", strings.Join(names, " and ")))
	}
	for _, k := range set {
		at := joinField(field, k.Name)
		if k.Port {
			if msg := checkPortNumber(k.port(p)); msg != "" {
				report(joinField(at, "port"), msg)
			}
		}
		if k.check != nil {
			k.check(p, at, text, report)
		}
		if k.List {
			checkProbeList(k, k.list(p), at, depth, text, report)
		}
	}
}

// checkProbeList reports the problems of the list of an all or any probe at
// field, and of each member.
func checkProbeList(k ProbeKind, list []*Probe, field string, depth int, text bool, report func(field, msg string)) {
	if len(list) == 0 {
		report(field, "needs at least one probe")
	}
	for i, q := range list {
		checkProbeRules(q, fmt.Sprintf("%s[%d]", field, i), depth+1, text, report)
	}
	if !k.Every {
		return
	}
	// all: with a member that needs the server running and one that needs
	// it to have exited can never pass: no check sees both.
	exits := -1
	for i, q := range list {
		if q != nil && q.mustExit() {
			exits = i
			break
		}
	}
	if exits < 0 {
		return
	}
	for i, q := range list {
		if q != nil && q.mustRun() {
			report(fmt.Sprintf("%s[%d]", field, i), fmt.Sprintf(
				"needs the server running, but %s[%d] needs it to have exited; no check sees both, so this %s: can never pass (use any: to accept either)",
				field, exits, k.Name))
		}
	}
}

func checkHTTPProbe(p *Probe, field string, _ bool, report func(field, msg string)) {
	h := p.HTTP
	if msg := checkURLPath(h.Path); msg != "" {
		report(joinField(field, "path"), msg)
	}
	switch {
	case h.Status == 0:
	case h.Status < 100 || h.Status > 599:
		report(joinField(field, "status"), fmt.Sprintf("status %d out of range 100-599", h.Status))
	case h.Status < 200 && h.Status != 101:
		// A 1xx other than 101 never ends a GET: the client reads on.
		report(joinField(field, "status"), fmt.Sprintf("status %d is informational: a GET never ends with it", h.Status))
	}
}

func checkBannerProbe(p *Probe, field string, text bool, report func(field, msg string)) {
	b := p.Banner
	if msg := checkPattern(b.Expect, text); msg != "" {
		report(joinField(field, "expect"), msg)
	}
	if !text {
		return // bytes for the wire: NUL is fine there
	}
	if msg := checkData(b.Send); msg != "" {
		report(joinField(field, "send"), msg)
	}
}

func checkExecProbe(p *Probe, field string, _ bool, report func(field, msg string)) {
	cmd := p.Exec.Command
	field = joinField(field, "command")
	if len(cmd) == 0 {
		report(field, "empty command")
		return
	}
	if cmd[0] == "" {
		report(field+"[0]", "empty program name")
	}
	for i, a := range cmd {
		if msg := checkData(a); msg != "" {
			report(fmt.Sprintf("%s[%d]", field, i), msg)
		}
	}
}

func checkLogProbe(p *Probe, field string, text bool, report func(field, msg string)) {
	if msg := checkPattern(p.Log.Pattern, text); msg != "" {
		report(joinField(field, "pattern"), msg)
	}
}

// maxPattern bounds a regular expression's length.
const maxPattern = 4096

// checkPattern returns why s is not a usable regular expression, or "";
// text refuses control characters, which a spec file writes as escapes.
func checkPattern(s string, text bool) string {
	switch {
	case s == "":
		return "empty pattern"
	case len(s) > maxPattern:
		return fmt.Sprintf("pattern longer than %d bytes", maxPattern)
	case text && checkText(s) != "":
		return checkText(s) + " (write \\n, \\t, \\x00 in the pattern instead)"
	}
	if _, err := regexp.Compile(s); err != nil {
		return fmt.Sprintf("invalid regular expression %s: %v", Quote(s), err)
	}
	return ""
}

// checkURLPath returns why s is not an HTTP request path, or "": it starts
// with one "/" and holds only URL path and query characters (others
// percent-encoded; so no fragment).
func checkURLPath(s string) string {
	if s == "" {
		return ""
	}
	if s[0] != '/' {
		return fmt.Sprintf("path %s must start with /", Quote(s))
	}
	if strings.HasPrefix(s, "//") {
		return fmt.Sprintf("path %s must not start with //, which names a host, not a path", Quote(s))
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
