package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// MaxSize is the largest spec file [Load] and [Parse] accept.
const MaxSize = 4 << 20

// Load reads a native spec file (YAML, or JSON, which is YAML) with [Parse].
// Source is the file's absolute path. It does not validate: call
// [Testbed.Validate].
func Load(path string) (*Testbed, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("load spec: %w", err)
	}
	f, err := os.Open(abs)
	if err != nil {
		return nil, fmt.Errorf("load spec: %w", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return nil, fmt.Errorf("load spec: %w", err)
	} else if !fi.Mode().IsRegular() {
		return nil, &Error{File: abs, Msg: "not a regular file"}
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("load spec: %w", err)
	}
	return Parse(data, abs)
}

// Parse reads a native spec (see [FormatNative]) from data. source names it
// in positions and errors and becomes [Testbed.Source]; relative paths in the
// spec resolve against filepath.Dir(source), made absolute. Every problem
// found is returned, joined, each an [*Error]; the Testbed is nil then. Parse
// checks shape and syntax; [Testbed.Validate] checks values.
func Parse(data []byte, source string) (tb *Testbed, err error) {
	base, err := filepath.Abs(filepath.Dir(source))
	if err != nil {
		return nil, fmt.Errorf("parse spec: %w", err)
	}
	if len(data) > MaxSize {
		return nil, &Error{File: source, Msg: fmt.Sprintf("spec larger than %d bytes", MaxSize)}
	}
	root, err := parseYAML(data, source)
	if err != nil {
		return nil, err
	}
	d := &decoder{file: source, base: base, budget: nodeBudget}
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(abort); !ok {
				panic(r)
			}
			tb, err = nil, d.errs.Err()
		}
	}()
	t := d.testbed(d.deref(root))
	if err := d.errs.Err(); err != nil {
		return nil, err
	}
	t.Source = source
	return t, nil
}

// parseYAML reads exactly one YAML document and returns its root node.
func parseYAML(data []byte, source string) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{File: source, Msg: "empty spec: no servers"}
		}
		return nil, YAMLError(err, data, source)
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		return nil, &Error{File: source, Line: next.Line, Msg: "more than one YAML document"}
	case !errors.Is(err, io.EOF):
		return nil, YAMLError(err, data, source)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, &Error{File: source, Msg: "empty spec: no servers"}
	}
	return doc.Content[0], nil
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlParserErrors are the YAML parser's (not scanner's) messages; the
// library reports their line 0-based, at the start of the enclosing
// construct.
var yamlParserErrors = []string{
	"found undefined tag handle",
	"did not find expected node content",
	"did not find expected '-' indicator",
	"did not find expected key",
	"did not find expected ',' or ']'",
	"did not find expected ',' or '}'",
}

// yamlError turns a YAML syntax error into an *Error with its line.
func yamlError(err error, source string) error {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		if slices.Contains(yamlParserErrors, m[2]) {
			line++
		}
		return &Error{File: source, Line: line, Msg: "invalid YAML: " + m[2]}
	}
	if len(msg) > 6 && msg[:6] == "yaml: " {
		msg = msg[6:]
	}
	return &Error{File: source, Msg: "invalid YAML: " + msg}
}
