// Package redact masks secrets in text testbed prints: by value (every
// value a spec gives under a secret-looking name, every password in a
// URL's userinfo, every argument of a --password-style flag) as well as
// by shape (URL passwords and --password= arguments in any text), so a
// secret a server echoes in its log is masked too.
package redact

import (
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/testbed-dev/testbed/spec"
)

// Mask replaces every secret.
const Mask = "********"

// MinSecret is the shortest value masked by value: shorter ones ("1",
// "on") would mask every occurrence of common text and hide nothing.
const MinSecret = 3

// secretWords are the parts of a name that make it look secret,
// matched case-insensitively anywhere in the name.
var secretWords = []string{"pass", "pwd", "secret", "token", "key", "credential", "auth", "private"}

// IsSecretName reports whether a variable, option or flag name looks like
// it holds a secret: it contains pass, pwd, secret, token, key,
// credential, auth or private, in any case (DB_PASSWORD, api_key,
// --passphrase).
func IsSecretName(name string) bool {
	n := strings.ToLower(name)
	for _, w := range secretWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// Redactor masks a fixed set of secret values, and URL passwords and
// --password=x arguments of any value, in text. The zero value masks by
// shape only. A Redactor is safe for concurrent use once made.
type Redactor struct {
	r *strings.Replacer // nil: no values
}

// New makes a Redactor for the values secrets (and the secrets found in
// them: URL passwords).
func New(secrets ...string) *Redactor {
	set := map[string]bool{}
	for _, s := range secrets {
		addSecret(set, s)
		for _, p := range urlPasswords(s) {
			addSecret(set, p)
		}
	}
	list := slices.Collect(maps.Keys(set))
	// Longest first, so a secret that contains another is masked whole.
	sort.Slice(list, func(i, j int) bool {
		if len(list[i]) != len(list[j]) {
			return len(list[i]) > len(list[j])
		}
		return list[i] < list[j]
	})
	if len(list) == 0 {
		return &Redactor{}
	}
	pairs := make([]string, 0, 2*len(list))
	for _, s := range list {
		pairs = append(pairs, s, Mask)
	}
	return &Redactor{r: strings.NewReplacer(pairs...)}
}

// addSecret adds s and, when JSON would escape it, its JSON-escaped form
// (so the secret is masked in --json output too).
func addSecret(set map[string]bool, s string) {
	if len(s) < MinSecret {
		return
	}
	set[s] = true
	if b, err := json.Marshal(s); err == nil {
		if e := string(b[1 : len(b)-1]); e != s {
			set[e] = true
		}
	}
}

// FromSpec makes the Redactor for a testbed: it masks the value of every
// environment variable, build argument, built-in option and label whose
// name looks secret ([IsSecretName]), every URL password in any of their
// values and in any argument (command, entrypoint, healthcheck, exec
// probes), the argument of every --password-style flag (--password=x,
// --password x, -p x is not recognised), and extra.
func FromSpec(tb *spec.Testbed, extra ...string) *Redactor {
	secrets := slices.Clone(extra)
	add := func(name, value string) {
		if IsSecretName(name) {
			secrets = append(secrets, value)
		}
		secrets = append(secrets, urlPasswords(value)...)
	}
	argv := func(args []string) {
		for i, a := range args {
			secrets = append(secrets, urlPasswords(a)...)
			if !strings.HasPrefix(a, "-") {
				continue
			}
			name, val, ok := strings.Cut(strings.TrimLeft(a, "-"), "=")
			if !IsSecretName(name) {
				continue
			}
			if ok {
				secrets = append(secrets, val)
			} else if i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
				secrets = append(secrets, args[i+1])
			}
		}
	}
	if tb == nil {
		return New(secrets...)
	}
	for _, s := range tb.Servers {
		if s == nil {
			continue
		}
		for k, v := range s.Env {
			add(k, v)
		}
		for k, v := range s.Options {
			add(k, v)
		}
		for k, v := range s.Labels {
			add(k, v)
		}
		if s.Build != nil {
			for k, v := range s.Build.Args {
				add(k, v)
			}
		}
		argv(s.Command)
		argv(s.Entrypoint)
		if s.Health != nil {
			argv(s.Health.Test)
		}
		probeArgv(s.Ready, argv)
	}
	return New(secrets...)
}

var (
	// userinfoRE finds scheme://user:password@ in text.
	userinfoRE = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://[^/@:\s"']*:)([^/@\s"']+)(@)`)
	// flagRE finds --name=value where name looks secret.
	flagRE = regexp.MustCompile(`(?i)(--?[A-Za-z0-9_-]*(?:pass|pwd|secret|token|key|credential|auth|private)[A-Za-z0-9_-]*=)([^\s"']+)`)
)

// urlPasswords lists the passwords of URLs' userinfo in s.
func urlPasswords(s string) []string {
	var out []string
	for _, m := range userinfoRE.FindAllStringSubmatch(s, -1) {
		out = append(out, m[2])
	}
	return out
}

// String masks every known secret in s, then every URL password and
// --password=value argument left.
func (r *Redactor) String(s string) string {
	if r != nil && r.r != nil {
		s = r.r.Replace(s)
	}
	s = userinfoRE.ReplaceAllString(s, "${1}"+Mask+"${3}")
	return flagRE.ReplaceAllString(s, "${1}"+Mask)
}

// Strings masks each of ss in place and returns it.
func (r *Redactor) Strings(ss []string) []string {
	for i, s := range ss {
		ss[i] = r.String(s)
	}
	return ss
}

// probeArgv passes the argv of every exec probe in p (within all/any
// too) to argv.
func probeArgv(p *spec.Probe, argv func([]string)) {
	if p == nil {
		return
	}
	if p.Exec != nil {
		argv(p.Exec.Command)
	}
	for _, q := range append(slices.Clone(p.All), p.Any...) {
		probeArgv(q, argv)
	}
}
