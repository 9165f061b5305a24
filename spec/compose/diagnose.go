package compose

import (
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/sirupsen/logrus"
	"go.yaml.in/yaml/v3"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/testbed-dev/testbed/spec"
)

// This file brings compose-go's messages to the native format's standard:
// schema errors placed at file:line:column with the service, the field and
// a "did you mean" for unknown keys; v1 files and all-profiled projects
// with a hint; variables placed where they are written; compose-go's own
// log lines captured and turned into warnings, once each.

// schemaRE reads compose-go's schema errors: "validating FILE: PATH MSG".
var (
	schemaRE     = regexp.MustCompile(`^validating (.+?): (\S*) ?(.*)$`)
	additionalRE = regexp.MustCompile(`^additional properties '([^']+)'(?:, '[^']+')* not allowed$`)
)

// placeSchema returns compose-go's schema error err placed at the key it
// is about, or nil when it is not one.
func (m *sourceMap) placeSchema(err error) error {
	msg := err.Error()
	i := strings.Index(msg, "validating ")
	if i < 0 {
		return nil
	}
	sm := schemaRE.FindStringSubmatch(msg[i:])
	if sm == nil {
		return nil
	}
	file, pathText, rest := sm[1], sm[2], sm[3]
	var path []string
	if pathText != "" {
		path = strings.Split(pathText, ".")
	}
	var key string
	switch {
	case additionalRE.MatchString(rest):
		key = additionalRE.FindStringSubmatch(rest)[1]
	case rest == "false schema" && len(path) > 0:
		path, key = path[:len(path)-1], path[len(path)-1]
	}
	e := &spec.Error{File: file}
	if len(path) >= 2 && path[0] == "services" {
		e.Server = path[1]
	}
	if key == "" {
		// A value of the wrong type or shape: at the value's key.
		if len(path) > 0 {
			e.Line, e.Column = m.findKey(file, path[:len(path)-1], path[len(path)-1])
		}
		e.Field = fieldOf(path)
		e.Msg = foreignMsg(strings.ReplaceAll(rest, "must be a array", "must be a list"))
		return e
	}
	e.Line, e.Column = m.findKey(file, path, key)
	e.Field = fieldOf(append(slices.Clip(path), key))
	if len(path) == 0 && m.looksV1(file) {
		e.Msg = v1Msg(key)
		return e
	}
	if len(path) == 1 && slices.Contains(namedSections, path[0]) {
		// The key is a name the schema's pattern refuses, not a key.
		e.Field = path[0]
		e.Msg = fmt.Sprintf("%s name %s is invalid: compose allows A-Z a-z 0-9 . _ - only", strings.TrimSuffix(path[0], "s"), quote(key))
		if path[0] == "services" {
			e.Msg += " (and testbed resolves servers by name: use a DNS label)"
		}
		return e
	}
	e.Msg = "unknown key" + suggestKey(key, knownKeys(path)) + "; compose ignores keys starting with x- (extensions)"
	return e
}

// fieldOf is the field of a schema path: below the service for
// services.NAME..., else the whole path; list indexes in brackets.
func fieldOf(path []string) string {
	if len(path) >= 2 && path[0] == "services" {
		path = path[2:]
	}
	var b strings.Builder
	for _, p := range path {
		if _, err := strconv.Atoi(p); err == nil {
			b.WriteString("[" + p + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}

// findKey returns where key is written in the mapping at path of file,
// or where the nearest enclosing key is; 0, 0 when file is not known.
func (m *sourceMap) findKey(file string, path []string, key string) (line, col int) {
	for _, d := range m.docs {
		if d.file != file {
			continue
		}
		n := d.root
		for _, seg := range path {
			next := lookup(n, seg)
			if next == nil {
				break
			}
			if kn := keyNode(n, seg); kn != nil {
				line, col = kn.Line, kn.Column
			}
			n = next
		}
		if kn := keyNode(n, key); kn != nil {
			return kn.Line, kn.Column
		}
		if line == 0 {
			line = 1
		}
		return line, col
	}
	return 0, 0
}

// lookup returns a mapping's value for seg, or a list's item seg.
func lookup(n *yaml.Node, seg string) *yaml.Node {
	switch n.Kind {
	case yaml.MappingNode:
		v, _ := mappingValue(n, seg)
		return v
	case yaml.SequenceNode:
		if i, err := strconv.Atoi(seg); err == nil && i >= 0 && i < len(n.Content) {
			return n.Content[i]
		}
	}
	return nil
}

// keyNode returns the key node of key in a mapping.
func keyNode(n *yaml.Node, key string) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i]
		}
	}
	return nil
}

// namedSections are the top-level mappings whose keys are names.
var namedSections = []string{"services", "networks", "volumes", "secrets", "configs", "models"}

// topLevelKeys are the keys a compose file (of any version from 2 on)
// may hold at the top.
var topLevelKeys = []string{"version", "name", "include", "services", "networks", "volumes", "secrets", "configs", "models"}

// looksV1 reports whether file is a version 1 compose file: no services:
// key, and a top-level key that holds what a service holds.
func (m *sourceMap) looksV1(file string) bool {
	_, name := m.v1Service(file)
	return name != ""
}

// v1Service returns where the first service of a version 1 file is, or ""
// when file is not one.
func (m *sourceMap) v1Service(file string) (at, string) {
	for _, d := range m.docs {
		if d.file != file || d.root.Kind != yaml.MappingNode {
			continue
		}
		if _, ok := mappingValue(d.root, "services"); ok {
			return at{}, ""
		}
		for i := 0; i+1 < len(d.root.Content); i += 2 {
			k, v := d.root.Content[i], d.root.Content[i+1]
			if slices.Contains(topLevelKeys, k.Value) || strings.HasPrefix(k.Value, "x-") || v.Kind != yaml.MappingNode {
				continue
			}
			for _, svcKey := range []string{"image", "build", "command", "ports", "links"} {
				if _, ok := mappingValue(v, svcKey); ok {
					return at{file, k.Line}, k.Value
				}
			}
		}
	}
	return at{}, ""
}

// v1Msg explains a version 1 file.
func v1Msg(service string) string {
	return fmt.Sprintf("this is a version 1 compose file (services like %s at the top level, no services: key): testbed reads the Compose Specification, which also covers the version 2 and 3 formats, but not version 1; move the services under a top-level services: key", quote(service))
}

// checkV1 refuses a version 1 file before compose-go gives its schema text.
func (m *sourceMap) checkV1(files []string) error {
	var p spec.Problems
	for _, f := range files {
		if a, name := m.v1Service(f); name != "" {
			p.Add(&spec.Error{File: a.file, Line: a.line, Msg: v1Msg(name)})
		}
	}
	return p.Err()
}

// profileHint explains an empty project whose services are all behind
// profiles that are not enabled.
func profileHint(project *types.Project, file string) error {
	var profiles []string
	for _, svc := range project.DisabledServices {
		for _, p := range svc.Profiles {
			if !slices.Contains(profiles, p) {
				profiles = append(profiles, p)
			}
		}
	}
	slices.Sort(profiles)
	if len(profiles) == 0 {
		return &spec.Error{File: file, Msg: "no services: the file defines none"}
	}
	return &spec.Error{File: file, Msg: fmt.Sprintf("no servers: every service is in a profile (%s) and none is enabled; enable one with --profile NAME (or COMPOSE_PROFILES=NAME)", strings.Join(profiles, ", "))}
}

// varRef is one variable a compose file writes in a value.
type varRef struct {
	at
	column   int
	service  string // "" outside services
	field    string // below the service, or the whole path
	name     string
	required bool   // ${NAME?msg} or ${NAME:?msg}
	fallback bool   // ${NAME-x}, ${NAME:-x}, ${NAME+x}, ${NAME:+x}: no warning when unset
	message  string // a required variable's message
}

// varRE finds $NAME and ${NAME...} in a value whose "$$" escapes are gone.
var varRE = regexp.MustCompile(`\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?+])?([^}]*)\}?|([A-Za-z_][A-Za-z0-9_]*))`)

// scanVars records the variables of every scalar under root.
func (m *sourceMap) scanVars(file string, root *yaml.Node) {
	var walk func(n *yaml.Node, path []string, depth int)
	walk = func(n *yaml.Node, path []string, depth int) {
		if depth > 64 || len(m.vars) >= maxVarRefs {
			return
		}
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				walk(n.Content[i+1], append(slices.Clip(path), n.Content[i].Value), depth+1)
			}
		case yaml.SequenceNode:
			for i, item := range n.Content {
				walk(item, append(slices.Clip(path), strconv.Itoa(i)), depth+1)
			}
		case yaml.ScalarNode:
			if !strings.Contains(n.Value, "$") {
				return
			}
			text := strings.ReplaceAll(n.Value, "$$", "")
			for _, sm := range varRE.FindAllStringSubmatch(text, -1) {
				r := varRef{at: at{file, n.Line}, column: n.Column, field: fieldOf(path), name: sm[1] + sm[4]}
				if len(path) >= 2 && path[0] == "services" {
					r.service = path[1]
				}
				switch op := sm[2]; {
				case strings.HasSuffix(op, "?"):
					r.required, r.message = true, sm[3]
				case op != "":
					r.fallback = true
				}
				m.vars = append(m.vars, r)
			}
		}
	}
	walk(root, nil, 0)
}

// maxVarRefs bounds how many variable uses are recorded.
const maxVarRefs = 10000

// requiredRE reads compose-go's error for a required variable.
var requiredRE = regexp.MustCompile(`required variable (\S+) is missing a value`)

// placeRequired returns compose-go's error about a required variable
// placed where the file requires it, or nil.
func (m *sourceMap) placeRequired(err error, env types.Mapping) error {
	sm := requiredRE.FindStringSubmatch(err.Error())
	if sm == nil {
		return nil
	}
	name := sm[1]
	var p spec.Problems
	for _, r := range m.vars {
		if r.name != name || !r.required {
			continue
		}
		if v, ok := env[name]; ok && v != "" {
			continue
		}
		msg := fmt.Sprintf("required variable %s is not set", quote(name))
		if r.message != "" {
			msg += ": " + foreignMsg(r.message)
		}
		p.Add(&spec.Error{File: r.file, Line: r.line, Column: r.column, Server: r.service, Field: r.field, Msg: msg})
		break // compose-go stops at the first
	}
	return p.Err()
}

// unsetRE reads compose-go's warning about a variable that is not set.
var unsetRE = regexp.MustCompile(`^The "([^"]+)" variable is not set\. Defaulting to a blank string\.$`)

// logWarnings turns compose-go's log lines into warnings, once each: an
// unset variable is placed where the files first use it without a
// default; the obsolete-version line is dropped (Load warns about version
// itself).
func (m *sourceMap) logWarnings(lines []string, first string) []Warning {
	var out []Warning
	seen := map[string]bool{}
	for _, l := range lines {
		if seen[l] {
			continue
		}
		seen[l] = true
		if strings.Contains(l, "the attribute `version` is obsolete") {
			continue
		}
		if sm := unsetRE.FindStringSubmatch(l); sm != nil {
			out = append(out, m.unsetWarning(sm[1], first))
			continue
		}
		out = append(out, Warning{File: first, Msg: "compose: " + foreignMsg(l)})
	}
	return out
}

// unsetWarning places the warning about an unset variable at its first
// use without a default, and counts the others.
func (m *sourceMap) unsetWarning(name, first string) Warning {
	var uses []varRef
	for _, r := range m.vars {
		if r.name == name && !r.fallback {
			uses = append(uses, r)
		}
	}
	w := Warning{File: first, Msg: fmt.Sprintf("variable %s is not set: an empty string is used, as in compose", quote(name))}
	if len(uses) == 0 {
		return w
	}
	r := uses[0]
	w.File, w.Line, w.Server, w.Field = r.file, r.line, r.service, r.field
	if len(uses) > 1 {
		w.Msg += fmt.Sprintf(" (used %d times; set it in the environment or .env)", len(uses))
	}
	return w
}

// logMu serialises the loads that capture compose-go's log output: it logs
// through logrus's process-wide logger, which Load points at itself for
// the duration of the load and then restores.
var logMu sync.Mutex

// logCapture collects the messages logged while it is installed.
type logCapture struct {
	mu   sync.Mutex
	msgs []string
}

func (c *logCapture) Levels() []logrus.Level { return logrus.AllLevels }

func (c *logCapture) Fire(e *logrus.Entry) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e.Level <= logrus.WarnLevel && len(c.msgs) < 1000 {
		c.msgs = append(c.msgs, e.Message)
	}
	return nil
}

// captureLogs runs fn with compose-go's log output captured, not printed,
// and returns the warnings and errors it logged.
func captureLogs(fn func()) []string {
	logMu.Lock()
	defer logMu.Unlock()
	l := logrus.StandardLogger()
	c := &logCapture{}
	out, level := l.Out, l.GetLevel()
	hooks := l.ReplaceHooks(logrus.LevelHooks{})
	l.AddHook(c)
	l.SetOutput(io.Discard)
	if level < logrus.WarnLevel {
		l.SetLevel(logrus.WarnLevel)
	}
	defer func() {
		l.SetOutput(out)
		l.SetLevel(level)
		l.ReplaceHooks(hooks)
	}()
	fn()
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.msgs)
}
