package compose

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/compose-spec/compose-go/v2/format"
	"github.com/compose-spec/compose-go/v2/template"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/testbed-dev/testbed/spec"
)

// Some compose-go errors name neither the service nor the field: the
// parsers of short-syntax ports and volumes report only the bad part of
// the value ("invalid IP address: x:y"), and a file that extends, include,
// env_file or label_file names and that cannot be read is reported by its
// path. This file places them: the entries compose-go parses are re-checked
// as the files write them, and the env and label files are read one
// service at a time.

// entryKind says how compose-go reads an entry.
type entryKind int

const (
	portEntry   entryKind = iota // short-syntax port, types.ParsePortConfig
	volumeEntry                  // short-syntax volume, format.ParseVolume
	fileEntry                    // a compose file compose-go opens (extends, include)
)

// entry is one value as a file writes it, kept to place a compose-go error
// that does not say where it is.
type entry struct {
	at
	kind    entryKind
	service string // "" for a top-level key
	field   string // like "ports[1]", "extends.file", "include[0]"
	value   string
}

// serviceEntries lists the entries of a service's key v.
func serviceEntries(file, service, key string, v *yaml.Node) []entry {
	var out []entry
	switch key {
	case "ports", "volumes":
		if v.Kind != yaml.SequenceNode {
			return nil
		}
		kind := portEntry
		if key == "volumes" {
			kind = volumeEntry
		}
		for i, item := range v.Content {
			if item.Kind == yaml.ScalarNode {
				out = append(out, entry{at: at{file, item.Line}, kind: kind, service: service, field: fmt.Sprintf("%s[%d]", key, i), value: item.Value})
			}
		}
	case "extends":
		if f, ok := mappingValue(v, "file"); ok && f.Kind == yaml.ScalarNode {
			out = append(out, entry{at: at{file, f.Line}, kind: fileEntry, service: service, field: "extends.file", value: f.Value})
		}
	}
	return out
}

// includeEntries lists the files a top-level include names: a list of
// paths, or of {path: one or a list}.
func includeEntries(file string, v *yaml.Node) []entry {
	if v.Kind != yaml.SequenceNode {
		return nil
	}
	var out []entry
	add := func(n *yaml.Node, field string) {
		if n.Kind == yaml.ScalarNode {
			out = append(out, entry{at: at{file, n.Line}, kind: fileEntry, field: field, value: n.Value})
		}
	}
	for i, item := range v.Content {
		field := fmt.Sprintf("include[%d]", i)
		p, ok := mappingValue(item, "path")
		switch {
		case item.Kind == yaml.ScalarNode:
			add(item, field)
		case ok && p.Kind == yaml.SequenceNode:
			for j, one := range p.Content {
				add(one, fmt.Sprintf("%s.path[%d]", field, j))
			}
		case ok:
			add(p, field+".path")
		}
	}
	return out
}

// mappingValue returns the value of key in a YAML mapping.
func mappingValue(n *yaml.Node, key string) (*yaml.Node, bool) {
	if n.Kind != yaml.MappingNode {
		return nil, false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1], true
		}
	}
	return nil, false
}

// placeForeign returns err, which compose-go gave without saying where, as
// errors placed at the entries that cause it: every short-syntax port or
// volume compose-go cannot parse (once one of them explains err), or the
// extends or include file err fails to open. env is what compose-go
// interpolated with. It returns nil when no entry explains err.
func (m *sourceMap) placeForeign(err error, env types.Mapping) error {
	msg := err.Error()
	var pe *fs.PathError
	isPath := errors.As(err, &pe)
	var p spec.Problems
	explained := false
	for _, e := range m.entries {
		switch e.kind {
		case portEntry, volumeEntry:
			v, serr := template.Substitute(e.value, env.Resolve)
			if serr != nil {
				continue // an interpolation error names its path itself
			}
			var perr error
			what := "port"
			if e.kind == portEntry {
				_, perr = types.ParsePortConfig(v)
			} else {
				_, perr = format.ParseVolume(v)
				what = "volume"
			}
			if perr == nil {
				continue
			}
			explained = explained || strings.HasSuffix(msg, perr.Error())
			shown := quote(e.value)
			if v != e.value {
				shown += " (interpolated " + quote(v) + ")"
			}
			p.Add(&spec.Error{File: e.file, Line: e.line, Server: e.service, Field: e.field,
				Msg: fmt.Sprintf("%s %s: %s", what, shown, foreignMsg(perr.Error()))})
		case fileEntry:
			v, serr := template.Substitute(e.value, env.Resolve)
			if serr != nil || !isPath || !samePath(pe.Path, v) {
				continue
			}
			explained = true
			shown := quote(e.value)
			if v != e.value {
				shown += " (interpolated " + quote(v) + ")"
			}
			p.Add(&spec.Error{File: e.file, Line: e.line, Server: e.service, Field: e.field,
				Msg: fmt.Sprintf("cannot read %s: %s", shown, foreignMsg(pe.Err.Error()))})
		}
	}
	if !explained {
		return nil
	}
	return p.Err()
}

// samePath reports whether path, which compose-go opened, is the file a
// compose file wrote as written.
func samePath(path, written string) bool {
	if written == "" {
		return false
	}
	w := filepath.Clean(written)
	return path == w || strings.HasSuffix(path, string(filepath.Separator)+w)
}

// resolveFiles reads each service's env_file and label_file entries into
// its environment and labels, as compose-go does at the end of loading
// (Load turns that step off), but one service at a time, so a file that
// cannot be read or parsed is reported with its service and entry. first
// is the first compose file, for services no file given to Load writes.
func resolveFiles(project *types.Project, src *sourceMap, first string) (*types.Project, error) {
	var p spec.Problems
	for _, name := range slices.Sorted(maps.Keys(project.Services)) {
		svc := project.Services[name]
		resolved, err := resolveService(project, svc)
		if err == nil {
			project.Services[name] = resolved
			continue
		}
		// The entry at fault: the first whose list up to it fails.
		key, n, path := "env_file", len(svc.EnvFiles), ""
		bad := firstFailing(n, func(i int) error {
			_, err := resolveService(project, withFiles(svc, svc.EnvFiles[:i+1], nil))
			return err
		})
		if bad >= 0 {
			path = svc.EnvFiles[bad].Path
		} else {
			key, n = "label_file", len(svc.LabelFiles)
			bad = firstFailing(n, func(i int) error {
				_, err := resolveService(project, withFiles(svc, nil, svc.LabelFiles[:i+1]))
				return err
			})
			if bad >= 0 {
				path = svc.LabelFiles[bad]
			}
		}
		field, what := key, strings.ReplaceAll(key, "_", " ")
		if bad >= 0 {
			field = fmt.Sprintf("%s[%d]", key, bad)
		} else {
			key, field, what = "env_file", "env_file", "env files" // only together: name the key
		}
		a := src.item(name, key, bad, n, first)
		p.Add(&spec.Error{File: a.file, Line: a.line, Server: name, Field: field, Msg: fileErrMsg(what, path, a.file, err)})
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return project, nil
}

// withFiles returns svc reading only the env files env and the label files
// labels. Its pre_start hooks read none: compose-go reads a hook's files
// too, and a hook carries the service's whole lists as well as its own
// entries, so left alone they would fail every shortened try.
func withFiles(svc types.ServiceConfig, env []types.EnvFile, labels []string) types.ServiceConfig {
	svc.EnvFiles, svc.LabelFiles = env, labels
	svc.PreStart = slices.Clone(svc.PreStart)
	for i := range svc.PreStart {
		svc.PreStart[i].EnvFiles, svc.PreStart[i].LabelFiles = nil, nil
	}
	return svc
}

// firstFailing returns the first i in 0..n-1 for which try fails, or -1.
func firstFailing(n int, try func(i int) error) int {
	for i := range n {
		if try(i) != nil {
			return i
		}
	}
	return -1
}

// resolveService reads svc's env and label files with compose-go, on a
// project of svc alone.
func resolveService(project *types.Project, svc types.ServiceConfig) (types.ServiceConfig, error) {
	one := &types.Project{Name: project.Name, WorkingDir: project.WorkingDir, Environment: project.Environment,
		Services: types.Services{svc.Name: svc}}
	one, err := one.WithServicesEnvironmentResolved(false)
	if err == nil {
		one, err = one.WithServicesLabelsResolved(false)
	}
	if err != nil {
		return svc, err
	}
	return one.Services[svc.Name], nil
}

// fileErrMsg says why compose-go could not read the env or label file at
// path, which the compose file file names: "env file "x.env" does not
// exist". The path is shown relative to the compose file when it is below
// it, as the file most likely wrote it.
func fileErrMsg(what, path, file string, err error) string {
	shown := path
	if rel, rerr := filepath.Rel(filepath.Dir(file), path); rerr == nil && filepath.IsLocal(rel) {
		shown = rel
	}
	var pe *fs.PathError
	switch {
	case path == "":
		return fmt.Sprintf("%s: %s", what, foreignMsg(err.Error()))
	case errors.Is(err, os.ErrNotExist):
		return fmt.Sprintf("%s %s does not exist", what, quote(shown))
	case errors.As(err, &pe):
		return fmt.Sprintf("%s %s: %s", what, quote(shown), foreignMsg(pe.Err.Error()))
	}
	text := err.Error()
	text = strings.TrimPrefix(text, "failed to read "+path+": ")
	return fmt.Sprintf("%s %s: %s", what, quote(shown), foreignMsg(text))
}
