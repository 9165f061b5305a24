package spec

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Kinds tells validation which built-in kinds exist and which options each
// takes. The catalogue implements it; spec does not import the catalogue.
// A Kinds that also has Names() []string gets its kinds listed in messages.
type Kinds interface {
	HasKind(name string) bool
	KindOptions(name string) []string // option names the kind accepts
}

// MaxTimeout is the longest readiness timeout or healthcheck interval.
const MaxTimeout = time.Hour

// Validate checks every value of the testbed: names, images, ports, paths
// (host paths must exist), probes, durations, dependencies (known, no
// cycles). kinds says which builtin kinds and options exist; nil skips those
// two checks. Every problem is returned, joined, each an [*Error] placed at
// the line of the offending field where the source recorded one.
func (t *Testbed) Validate(kinds Kinds) error {
	v := &validator{t: t, kinds: kinds}
	v.testbed()
	return v.errs.Err()
}

type validator struct {
	t     *Testbed
	kinds Kinds
	errs  Problems
}

// topErr reports a problem with a testbed-level field.
func (v *validator) topErr(field, format string, args ...any) {
	v.errs.Add(&Error{File: v.t.Source, Line: v.t.Lines.Find(field), Field: field, Msg: fmt.Sprintf(format, args...)})
}

// serverError places a problem with a server's field.
func (t *Testbed) serverError(s *Server, field, msg string) *Error {
	file := s.Pos.File
	if file == "" {
		file = t.Source
	}
	line := s.Lines.Find(field)
	if line == 0 {
		line = s.Pos.Line
	}
	return &Error{File: file, Line: line, Server: s.Name, Field: field, Msg: msg}
}

func (v *validator) errorf(s *Server, field, format string, args ...any) {
	v.errs.Add(v.t.serverError(s, field, fmt.Sprintf(format, args...)))
}

func (v *validator) testbed() {
	t := v.t
	if t.Name != "" && !IsProjectName(t.Name) {
		v.topErr("name", "invalid project name %s: want [a-z0-9][a-z0-9_-]*, at most 63 characters", Quote(t.Name))
	}
	if t.Domain != "" && !IsDNSName(t.Domain) {
		v.topErr("domain", "invalid domain %s: want a lowercase DNS name like %s", Quote(t.Domain), DefaultDomain)
	}
	if len(t.Servers) == 0 {
		v.topErr("servers", "no servers")
		return
	}
	if !v.testbedLimits() {
		return
	}
	seen := map[string]bool{}
	for i, s := range t.Servers {
		if s == nil {
			v.topErr("servers", "server %d is nil", i)
			continue
		}
		if seen[s.Name] {
			v.errorf(s, "", "server name used twice")
		}
		seen[s.Name] = true
		v.server(s)
	}
	for _, e := range t.depErrors() {
		v.errs.Add(e)
	}
	v.aliasClashes()
	v.hostPortClashes()
}

func (v *validator) server(s *Server) {
	if !IsDNSLabel(s.Name) {
		v.errorf(s, "", "invalid server name: want a DNS label (a-z, 0-9 and '-', 1-63 characters, not starting or ending with '-')")
	}
	v.what(s)
	v.limits(s)
	for i, a := range s.Command {
		v.data(s, fmt.Sprintf("command[%d]", i), a)
	}
	for i, a := range s.Entrypoint {
		v.data(s, fmt.Sprintf("entrypoint[%d]", i), a)
	}
	for _, k := range slices.Sorted(maps.Keys(s.Env)) {
		f := "env." + k
		if !IsEnvName(k) {
			v.errorf(s, f, "invalid variable name %s: want [A-Za-z_][A-Za-z0-9_]*", Quote(k))
		}
		v.data(s, f, s.Env[k])
	}
	for i, f := range s.Files {
		v.file(s, fmt.Sprintf("files[%d]", i), f)
	}
	v.ports(s)
	for i, a := range s.Aliases {
		if !IsDNSName(a) {
			v.errorf(s, fmt.Sprintf("aliases[%d]", i), "invalid alias %s: want a lowercase DNS name", Quote(a))
		}
	}
	for i, d := range s.DependsOn {
		switch d.Condition {
		case "", ConditionReady, ConditionStarted, ConditionCompleted:
		default:
			v.errorf(s, fmt.Sprintf("depends_on[%d].condition", i), "condition %s: want %s, %s or %s",
				Quote(d.Condition), ConditionReady, ConditionStarted, ConditionCompleted)
		}
	}
	if s.Ready != nil {
		checkProbe(s.Ready, "ready", 0, func(field, msg string) { v.errorf(s, field, "%s", msg) })
	}
	if s.Timeout < 0 || s.Timeout > MaxTimeout {
		v.errorf(s, "timeout", "timeout %s out of range: want above 0 and at most %s", s.Timeout, MaxTimeout)
	}
	v.container(s)
}

// what checks builtin/image/build and what goes with each.
func (v *validator) what(s *Server) {
	var set []string
	if s.Builtin != "" {
		set = append(set, "builtin")
	}
	if s.Image != "" {
		set = append(set, "image")
	}
	if s.Build != nil {
		set = append(set, "build")
	}
	switch len(set) {
	case 0:
		v.errorf(s, "", "needs one of builtin, image or build")
	case 1:
	default:
		v.errorf(s, set[1], "sets %s; exactly one of builtin, image or build is allowed", strings.Join(set, " and "))
	}
	if s.Builtin != "" {
		v.builtin(s)
	} else if len(s.Options) > 0 {
		v.errorf(s, "options", "options only apply to builtin servers")
	}
	if s.Image != "" {
		if err := CheckImageRef(s.Image); err != nil {
			v.errorf(s, "image", "%v", err)
		}
	} else if s.Pull {
		v.errorf(s, "pull", "pull only applies to image servers")
	}
	if s.Build != nil {
		v.build(s, s.Build)
	}
	switch {
	case s.Reset == "", s.Reset == ResetRecreate, s.Reset == ResetRestart, s.Reset == ResetNone:
		if s.Builtin != "" && s.Reset != "" {
			v.errorf(s, "reset", "applies to image and build servers; a builtin server always resets to its seeded state")
		}
	default:
		v.errorf(s, "reset", "must be %s, %s or %s, not %s", ResetRecreate, ResetRestart, ResetNone, Quote(s.Reset))
	}
}

var optionNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

func (v *validator) builtin(s *Server) {
	if len(s.Command) > 0 {
		v.errorf(s, "command", "builtin servers run their own command")
	}
	if len(s.Entrypoint) > 0 {
		v.errorf(s, "entrypoint", "builtin servers run their own entrypoint")
	}
	known := true
	switch {
	case !IsProjectName(s.Builtin):
		v.errorf(s, "builtin", "invalid builtin kind %s", Quote(s.Builtin))
		known = false
	case v.kinds != nil && !v.kinds.HasKind(s.Builtin):
		msg := fmt.Sprintf("unknown builtin kind %s", Quote(s.Builtin))
		if n, ok := v.kinds.(interface{ Names() []string }); ok {
			msg += " (known: " + strings.Join(n.Names(), ", ") + ")"
		}
		v.errorf(s, "builtin", "%s", msg)
		known = false
	}
	var opts []string
	if known && v.kinds != nil {
		opts = v.kinds.KindOptions(s.Builtin)
	}
	for _, k := range slices.Sorted(maps.Keys(s.Options)) {
		f := "options." + k
		switch {
		case !optionNameRE.MatchString(k):
			v.errorf(s, f, "invalid option name %s", Quote(k))
		case known && v.kinds != nil && !slices.Contains(opts, k):
			list := "none"
			if len(opts) > 0 {
				list = strings.Join(opts, ", ")
			}
			v.errorf(s, f, "unknown option %s for kind %s (known: %s)", Quote(k), s.Builtin, list)
		}
		v.text(s, f, s.Options[k])
	}
}

func (v *validator) build(s *Server, b *Build) {
	if b.Context == "" {
		v.errorf(s, "build.context", "empty build context")
	} else if msg := checkHostPath(b.Context, true); msg != "" {
		v.errorf(s, "build.context", "build context %s", msg)
	}
	if b.BaseImage != "" {
		if err := CheckImageRef(b.BaseImage); err != nil {
			v.errorf(s, "build", "base image: %v", err)
		}
	}
	if b.Inline != "" {
		v.data(s, "build", b.Inline)
		v.dockerfile(s, "build", strings.NewReader(b.Inline))
	} else if b.ExternalDockerfile == "" { // an external one: see composeFields
		df := b.Dockerfile
		if df == "" {
			df = "Dockerfile"
		}
		switch {
		case checkText(df) != "":
			v.errorf(s, "build.dockerfile", "%s", checkText(df))
		case !filepath.IsLocal(df):
			v.errorf(s, "build.dockerfile", "dockerfile %s must be a relative path inside the build context", Quote(df))
		case b.Context != "" && checkHostPath(b.Context, true) == "":
			v.dockerfilePath(s, b.Context, df)
		}
	}
	if b.Context != "" && checkHostPath(b.Context, true) == "" {
		v.tree(s, "build.context", b.Context, true, dockerfileOf(b))
	}
	for _, k := range slices.Sorted(maps.Keys(b.Args)) {
		f := "build.args." + k
		if !IsEnvName(k) {
			v.errorf(s, f, "invalid build argument name %s: want [A-Za-z_][A-Za-z0-9_]*", Quote(k))
		}
		v.data(s, f, b.Args[k])
	}
}

func (v *validator) file(s *Server, field string, f File) {
	ok := true
	CheckFile(f, func(sub, msg string) {
		ok = ok && sub != "src"
		v.errorf(s, field+"."+sub, "%s", msg)
	})
	if ok {
		v.tree(s, field+".src", f.Src, false, "")
	}
}

// CheckFile reports each reason f cannot be copied into an image through
// report, with the field it is about: "src" (not an existing regular file
// or directory, or not one line of text), "dst" (see below) or "mode"
// (above 0777). A destination must be absolute and clean, below the root,
// without "..", and hold only A-Z a-z 0-9 / . _ - + @ (no space: nothing
// downstream may read it as two words). [Testbed.Validate] checks every
// [Server.Files] entry with it and other formats' loaders check their own
// file lists with it, so all refuse the same files in the same words.
func CheckFile(f File, report func(field, msg string)) {
	if f.Src == "" {
		report("src", "empty source")
	} else if msg := checkHostPath(f.Src, false); msg != "" {
		report("src", "source "+msg)
	}
	if msg := checkContainerPath(f.Dst, false); msg != "" {
		report("dst", "destination "+msg)
	}
	if f.Mode&^0o777 != 0 {
		report("mode", fmt.Sprintf("mode %#o above 0777 (setuid, setgid and sticky bits are not allowed)", uint32(f.Mode)))
	}
}

// data checks a value passed as data (argv element, env value): no NUL.
func (v *validator) data(s *Server, field, val string) {
	if msg := checkData(val); msg != "" {
		v.errorf(s, field, "%s", msg)
	}
}

// text checks a single-line free-text value.
func (v *validator) text(s *Server, field, val string) {
	if msg := checkText(val); msg != "" {
		v.errorf(s, field, "%s", msg)
	}
}

// checkHostPath returns why p is not an existing directory (wantDir) or an
// existing regular file or directory, or "".
func checkHostPath(p string, wantDir bool) string {
	if msg := checkText(p); msg != "" {
		return Quote(p) + ": " + msg
	}
	fi, err := os.Stat(p)
	switch {
	case os.IsNotExist(err):
		return Quote(p) + " does not exist"
	case err != nil:
		return Quote(p) + ": " + pathErrText(err)
	case wantDir && !fi.IsDir():
		return Quote(p) + " is not a directory"
	case !fi.IsDir() && !fi.Mode().IsRegular():
		return Quote(p) + " is not a regular file or directory"
	}
	return ""
}

// maxContainerPath is Linux's PATH_MAX.
const maxContainerPath = 4096

// checkContainerPath returns why p is not a path to use inside a container,
// or "": absolute, clean, no "..", and only A-Z a-z 0-9 / . _ - + @ so no
// quoting, variable or option syntax downstream can misread it. The root
// itself is allowed only when allowRoot.
func checkContainerPath(p string, allowRoot bool) string {
	if p == "" {
		return "is empty"
	}
	if len(p) > maxContainerPath {
		return fmt.Sprintf("%s longer than %d bytes", Quote(p), maxContainerPath)
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("/._-+@", c) >= 0:
		default:
			return fmt.Sprintf("%s may only hold A-Z a-z 0-9 and / . _ - + @", Quote(p))
		}
	}
	if !strings.HasPrefix(p, "/") {
		return fmt.Sprintf("%s must be an absolute path", Quote(p))
	}
	for _, part := range strings.Split(p, "/") {
		if part == ".." {
			return fmt.Sprintf("%s must not hold a \"..\" component", Quote(p))
		}
	}
	if path.Clean(p) != p {
		return fmt.Sprintf("%s is not clean (want %s)", Quote(p), Quote(path.Clean(p)))
	}
	if p == "/" && !allowRoot {
		return "\"/\" must name a path below the root"
	}
	return ""
}

// pathErrText is an os error without the path it repeats, which the
// message already shows quoted and cut short.
func pathErrText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
