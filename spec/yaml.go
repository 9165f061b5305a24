package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
	yaml4 "go.yaml.in/yaml/v4"
)

// nodeBudget bounds how many YAML nodes one parse visits, counting every
// visit through an alias, so "billion laughs" documents fail fast.
const nodeBudget = 1 << 20

// maxMergeDepth bounds how deeply "<<" merges may nest.
const maxMergeDepth = 16

// decoder turns a YAML node tree into the model, collecting every problem.
type decoder struct {
	file   string // for Pos and errors
	base   string // directory relative paths resolve against
	errs   Problems
	budget int
}

// abort stops a decode that cannot go on (budget or error limit exhausted).
type abort struct{}

// place is where in the spec a node sits: the server (or none at top level),
// the field path inside it, and the line map to record into.
type place struct {
	server string
	field  string
	lines  Lines
}

func (p place) key(k string) place { p.field = joinField(p.field, k); return p }
func (p place) index(i int) place  { p.field = fmt.Sprintf("%s[%d]", p.field, i); return p }

// record notes the line a field was written on.
func (p place) record(line int) {
	if p.lines != nil && line > 0 {
		if _, ok := p.lines[p.field]; !ok {
			p.lines[p.field] = line
		}
	}
}

func (d *decoder) errorf(at place, line int, format string, args ...any) {
	d.errs.Add(&Error{File: d.file, Line: line, Server: at.server, Field: at.field, Msg: fmt.Sprintf(format, args...)})
	if d.errs.Len() > 10*maxErrors {
		panic(abort{})
	}
}

// deref follows aliases and charges the visit to the budget.
func (d *decoder) deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode; i++ {
		if i > maxMergeDepth {
			d.errorf(place{}, n.Line, "alias chain too long")
			panic(abort{})
		}
		n = n.Alias
	}
	d.budget--
	if d.budget < 0 {
		line := 0
		if n != nil {
			line = n.Line
		}
		d.errorf(place{}, line, "document too large (more than %d nodes, counting aliases)", nodeBudget)
		panic(abort{})
	}
	return n
}

// kindName names a node's kind for messages.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return "empty"
		}
		return "a scalar"
	}
	return "unexpected YAML"
}

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// pair is one key: value of a mapping.
type pair struct {
	key  string
	line int        // of the key
	val  *yaml.Node // alias-free
}

// pairs lists a mapping's entries in source order, with "<<" merges applied
// (explicit keys win over merged ones, earlier merges over later ones), and
// reports duplicate and non-scalar keys.
func (d *decoder) pairs(n *yaml.Node, at place) []pair {
	return d.mergePairs(n, at, 0)
}

func (d *decoder) mergePairs(n *yaml.Node, at place, depth int) []pair {
	if depth > maxMergeDepth {
		d.errorf(at, n.Line, "merges (<<) nested too deeply")
		return nil
	}
	var out, merged []pair
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := d.deref(n.Content[i]), d.deref(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			d.errorf(at, k.Line, "keys must be strings, not %s", kindName(k))
			continue
		}
		if k.ShortTag() == "!!merge" {
			merged = append(merged, d.mergeSource(v, at, depth)...)
			continue
		}
		if msg := checkTag(k); msg != "" {
			d.errorf(at.key(k.Value), k.Line, "key: %s", msg)
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.errorf(at.key(k.Value), k.Line, "duplicate key %s (first on line %d)", Quote(k.Value), first)
			continue
		}
		seen[k.Value] = k.Line
		out = append(out, pair{key: k.Value, line: k.Line, val: v})
	}
	for _, p := range merged {
		if _, ok := seen[p.key]; !ok {
			seen[p.key] = p.line
			out = append(out, p)
		}
	}
	return out
}

// mergeSource reads the value of a "<<" key: a mapping or a list of them.
func (d *decoder) mergeSource(v *yaml.Node, at place, depth int) []pair {
	switch v.Kind {
	case yaml.MappingNode:
		return d.mergePairs(v, at, depth+1)
	case yaml.SequenceNode:
		var out []pair
		seen := map[string]bool{}
		for _, item := range v.Content {
			item = d.deref(item)
			if item.Kind != yaml.MappingNode {
				d.errorf(at, item.Line, "<< merges mappings, not %s", kindName(item))
				continue
			}
			for _, p := range d.mergePairs(item, at, depth+1) {
				if !seen[p.key] {
					seen[p.key] = true
					out = append(out, p)
				}
			}
		}
		return out
	}
	d.errorf(at, v.Line, "<< merges mappings, not %s", kindName(v))
	return nil
}

// object walks a mapping whose keys must be among known, recording each
// field's line and calling fn for it. A null node is an empty mapping.
func (d *decoder) object(n *yaml.Node, at place, known []string, fn func(key string, val *yaml.Node, at place)) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(at, n.Line, "must be a mapping, not %s", kindName(n))
		return
	}
	for _, p := range d.pairs(n, at) {
		sub := at.key(p.key)
		if !slices.Contains(known, p.key) {
			d.errorf(sub, p.line, "unknown field%s", suggest(p.key, known))
			continue
		}
		sub.record(p.line)
		fn(p.key, p.val, sub)
	}
}

// suggest names the closest known key, or lists them all.
func suggest(key string, known []string) string {
	if best := Closest(key, known); best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return " (known: " + strings.Join(slices.Sorted(slices.Values(known)), ", ") + ")"
}

// checkTag refuses scalars with tags the format has no use for.
func checkTag(n *yaml.Node) string {
	switch t := n.ShortTag(); t {
	case "!!str", "!!int", "!!float", "!!bool", "!!null", "!!timestamp":
		return ""
	case "!!binary":
		return "binary values are not supported"
	default:
		return fmt.Sprintf("unsupported YAML tag %s", Quote(t))
	}
}

// str reads a scalar as text; null reads as "". Numbers and booleans read
// as written, so env: {PORT: 8080} gives "8080".
func (d *decoder) str(n *yaml.Node, at place) (string, bool) {
	if n.Kind != yaml.ScalarNode {
		d.errorf(at, n.Line, "must be a string, not %s", kindName(n))
		return "", false
	}
	if msg := checkTag(n); msg != "" {
		d.errorf(at, n.Line, "%s", msg)
		return "", false
	}
	if isNull(n) {
		return "", true
	}
	return n.Value, true
}

// parsed reads a scalar as text and parses it, reporting parse's error at
// the scalar.
func parsed[T any](d *decoder, n *yaml.Node, at place, parse func(string) (T, error)) (T, bool) {
	var zero T
	s, ok := d.str(n, at)
	if !ok {
		return zero, false
	}
	v, err := parse(s)
	if err != nil {
		d.errorf(at, n.Line, "%v", err)
		return zero, false
	}
	return v, true
}

// boolean reads true or false; null reads as false.
func (d *decoder) boolean(n *yaml.Node, at place) bool {
	if isNull(n) {
		return false
	}
	if n.Kind == yaml.ScalarNode {
		switch strings.ToLower(n.Value) {
		case "true":
			return true
		case "false":
			return false
		}
	}
	d.errorf(at, n.Line, "must be true or false")
	return false
}

// integer reads a decimal integer scalar.
func (d *decoder) integer(n *yaml.Node, at place) (int, bool) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!int" {
		if v, err := strconv.Atoi(n.Value); err == nil {
			return v, true
		}
	}
	if n.Kind == yaml.ScalarNode {
		d.errorf(at, n.Line, "must be a decimal integer, not %s", Quote(n.Value))
	} else {
		d.errorf(at, n.Line, "must be a decimal integer, not %s", kindName(n))
	}
	return 0, false
}

// list calls fn for each item of a sequence; null is an empty list.
func (d *decoder) list(n *yaml.Node, at place, fn func(i int, item *yaml.Node, at place)) {
	if isNull(n) {
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(at, n.Line, "must be a list, not %s", kindName(n))
		return
	}
	for i, item := range n.Content {
		item = d.deref(item)
		sub := at.index(i)
		sub.record(item.Line)
		fn(i, item, sub)
	}
}

// strList reads a list of strings.
func (d *decoder) strList(n *yaml.Node, at place) []string {
	var out []string
	d.list(n, at, func(_ int, item *yaml.Node, at place) {
		if s, ok := d.str(item, at); ok {
			out = append(out, s)
		}
	})
	return out
}

// argv reads a command line, which must be a list: a string would need a
// shell to split it, and testbed runs none.
func (d *decoder) argv(n *yaml.Node, at place) []string {
	if n.Kind == yaml.ScalarNode && !isNull(n) {
		d.errorf(at, n.Line, "must be a list of arguments like [app, --flag], not a string (use a list: no shell splits it)")
		return nil
	}
	out := d.strList(n, at)
	if !isNull(n) && n.Kind == yaml.SequenceNode && len(n.Content) == 0 {
		d.errorf(at, n.Line, "empty list (leave the field out to keep the image's)")
	}
	return out
}

// strMap reads a mapping of strings, or a list of "KEY=VALUE" when
// allowList; null values read as "".
func (d *decoder) strMap(n *yaml.Node, at place, allowList bool) map[string]string {
	if isNull(n) {
		return nil
	}
	out := map[string]string{}
	if allowList && n.Kind == yaml.SequenceNode {
		d.list(n, at, func(_ int, item *yaml.Node, iat place) {
			s, ok := d.str(item, iat)
			if !ok {
				return
			}
			k, v, found := strings.Cut(s, "=")
			if !found {
				d.errorf(iat, item.Line, "want KEY=VALUE, not %s", Quote(s))
				return
			}
			kat := at.key(k)
			if _, dup := out[k]; dup {
				d.errorf(kat, item.Line, "duplicate key %s", Quote(k))
				return
			}
			kat.record(item.Line)
			out[k] = v
		})
		return out
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(at, n.Line, "must be a mapping, not %s", kindName(n))
		return nil
	}
	for _, p := range d.pairs(n, at) {
		kat := at.key(p.key)
		kat.record(p.line)
		if s, ok := d.str(p.val, kat); ok {
			out[p.key] = s
		}
	}
	return out
}

// yamlMarkRE reads go.yaml.in/yaml/v4's syntax errors: an optional context
// ("while parsing a block mapping at line 2, column 5: ") and the problem's
// own mark ("line 5, column 6: "), then the problem.
var yamlMarkRE = regexp.MustCompile(`^yaml: (?:(while [^:]*?) at (?:line (\d+)(?:, column \d+)?|<unknown position>): )?(?:line (\d+)(?:, column (\d+))?: )?(.+)$`)

// YAMLError turns a YAML syntax error of data (read from source) into an
// [*Error] placed at the offending line and column. go.yaml.in/yaml/v3
// reports a parser error at the start of the construct it was parsing,
// which can be far above the mistake; the v4 parser reports both places,
// so data is parsed again with it to find where the mistake is. The
// message says where the enclosing construct starts when that is another
// line. Loaders of every YAML format use it.
func YAMLError(err error, data []byte, source string) error {
	if e := yamlErrorV4(data, source); e != nil {
		return e
	}
	return yamlError(err, source)
}

// yamlErrorV4 places the first syntax error the v4 parser finds in data;
// nil when it finds none or does not say where.
func yamlErrorV4(data []byte, source string) *Error {
	dec := yaml4.NewDecoder(bytes.NewReader(data))
	var err error
	for range maxDocuments {
		var n yaml4.Node
		if err = dec.Decode(&n); err != nil {
			break
		}
	}
	if err == nil || errors.Is(err, io.EOF) {
		return nil
	}
	m := yamlMarkRE.FindStringSubmatch(err.Error())
	if m == nil || m[3] == "" {
		return nil
	}
	ctxLine, _ := strconv.Atoi(m[2])
	line, _ := strconv.Atoi(m[3])
	col, _ := strconv.Atoi(m[4])
	msg := m[5]
	if slices.Contains(yamlParserErrors, msg) || strings.HasPrefix(msg, "did not find expected") {
		// The parser's marks count lines from 0, the scanner's from 1.
		line++
		if ctxLine > 0 {
			ctxLine++
		}
	}
	if line < 1 {
		return nil
	}
	text := "invalid YAML: " + msg
	if m[1] != "" && ctxLine > 0 && ctxLine != line {
		text += fmt.Sprintf(" (%s that starts on line %d)", strings.TrimPrefix(m[1], "while "), ctxLine)
	}
	return &Error{File: source, Line: line, Column: col, Msg: text}
}

// maxDocuments bounds how many YAML documents YAMLError reads to find the
// broken one.
const maxDocuments = 1024
