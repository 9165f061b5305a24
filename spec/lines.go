package spec

import "strings"

// Lines maps a field path to the source line it was written on. Paths are
// keys joined by "." with list indexes in brackets: "ports[1]",
// "ready.http.port", "env.HOME", "depends_on[0]".
type Lines map[string]int

// Find returns the line of field, or else of the nearest enclosing field
// that has one; 0 when none does.
func (l Lines) Find(field string) int {
	for f := field; f != ""; f = parentField(f) {
		if n, ok := l[f]; ok {
			return n
		}
	}
	return 0
}

// parentField drops the last ".key" or "[i]" of a field path.
func parentField(f string) string {
	i := strings.LastIndexAny(f, ".[")
	if i < 0 {
		return ""
	}
	return f[:i]
}

// joinField appends key to a field path.
func joinField(path, key string) string {
	if path == "" {
		return key
	}
	if key == "" {
		return path
	}
	return path + "." + key
}
