package compose

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/compose-spec/compose-go/v2/schema"

	"github.com/testbed-dev/testbed/spec"
)

// composeSchema is compose-go's JSON schema, decoded once: the keys it
// knows at each level feed "did you mean" suggestions.
var composeSchema = sync.OnceValue(func() map[string]any {
	var s map[string]any
	if err := json.Unmarshal([]byte(schema.Schema), &s); err != nil {
		return nil
	}
	return s
})

// knownKeys lists the keys compose-go's schema allows in the mapping at
// path (like ["services", "web", "healthcheck"]; names of services,
// volumes and the like match any segment, list indexes are numbers).
func knownKeys(path []string) []string {
	root := composeSchema()
	if root == nil {
		return nil
	}
	nodes := []map[string]any{root}
	for _, seg := range path {
		var next []map[string]any
		for _, n := range nodes {
			next = append(next, child(root, n, seg)...)
		}
		if len(next) == 0 {
			return nil
		}
		nodes = next
	}
	var keys []string
	for _, n := range nodes {
		for _, alt := range flatten(root, n, 0) {
			if props, ok := alt["properties"].(map[string]any); ok {
				for k := range props {
					if !slices.Contains(keys, k) {
						keys = append(keys, k)
					}
				}
			}
		}
	}
	slices.Sort(keys)
	return keys
}

// child returns the schemas of key seg in the schema n.
func child(root, n map[string]any, seg string) []map[string]any {
	var out []map[string]any
	_, isIndex := strconv.Atoi(seg)
	for _, alt := range flatten(root, n, 0) {
		if isIndex == nil {
			if items, ok := alt["items"].(map[string]any); ok {
				out = append(out, items)
			}
			continue
		}
		if props, ok := alt["properties"].(map[string]any); ok {
			if p, ok := props[seg].(map[string]any); ok {
				out = append(out, p)
				continue
			}
		}
		if pats, ok := alt["patternProperties"].(map[string]any); ok {
			for pat, p := range pats {
				if re, err := regexp.Compile(pat); err == nil && re.MatchString(seg) {
					if p, ok := p.(map[string]any); ok {
						out = append(out, p)
					}
				}
			}
		}
	}
	return out
}

// flatten resolves $ref and lists n with the alternatives of its allOf,
// oneOf and anyOf, recursively.
func flatten(root, n map[string]any, depth int) []map[string]any {
	if depth > 8 || n == nil {
		return nil
	}
	if ref, ok := n["$ref"].(string); ok {
		return flatten(root, resolveRef(root, ref), depth+1)
	}
	out := []map[string]any{n}
	for _, k := range []string{"allOf", "oneOf", "anyOf"} {
		if list, ok := n[k].([]any); ok {
			for _, alt := range list {
				if m, ok := alt.(map[string]any); ok {
					out = append(out, flatten(root, m, depth+1)...)
				}
			}
		}
	}
	return out
}

// resolveRef finds a local reference like "#/$defs/service".
func resolveRef(root map[string]any, ref string) map[string]any {
	if !strings.HasPrefix(ref, "#/") {
		return nil
	}
	var cur any = root
	for _, part := range strings.Split(ref[2:], "/") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[part]
	}
	m, _ := cur.(map[string]any)
	return m
}

// suggestKey names the known key closest to key, when one is close enough
// to be a typo: " (did you mean \"ports\"?)", or "".
func suggestKey(key string, known []string) string {
	if best := spec.Closest(key, known); best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return ""
}
