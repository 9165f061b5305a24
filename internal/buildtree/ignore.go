package buildtree

import (
	"bufio"
	"bytes"
	"path"
	"strings"
)

// Ignore is a parsed .dockerignore: patterns in order, later ones winning,
// "!" re-including, "**" matching any number of directories.
type Ignore struct {
	rules []rule
}

type rule struct {
	parts   []string
	exclude bool // false for "!" exceptions
}

// ParseIgnore reads a .dockerignore file.
func ParseIgnore(data []byte) *Ignore {
	ig := &Ignore{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		r := rule{exclude: true}
		if strings.HasPrefix(line, "!") {
			r.exclude = false
			line = strings.TrimSpace(line[1:])
		}
		line = path.Clean(strings.TrimPrefix(line, "/"))
		if line == "." {
			continue
		}
		r.parts = strings.Split(line, "/")
		ig.rules = append(ig.rules, r)
	}
	return ig
}

// Excluded reports whether the slash-separated relative path is left out of
// the context. A path under an excluded directory is excluded too.
func (ig *Ignore) Excluded(rel string) bool {
	if ig == nil {
		return false
	}
	parts := strings.Split(rel, "/")
	out := false
	for _, r := range ig.rules {
		if matchPrefix(r.parts, parts) {
			out = r.exclude
		}
	}
	return out
}

// matchPrefix reports whether pattern matches name or one of its parent directories.
// HasExceptions reports whether a "!" rule can re-include something
// under an excluded directory (so a walk must descend into it).
func (ig *Ignore) HasExceptions() bool {
	if ig == nil {
		return false
	}
	for _, r := range ig.rules {
		if !r.exclude {
			return true
		}
	}
	return false
}

func matchPrefix(pattern, name []string) bool {
	for n := len(name); n >= 1; n-- {
		if matchParts(pattern, name[:n]) {
			return true
		}
	}
	return false
}

func matchParts(pattern, name []string) bool {
	if len(pattern) == 0 {
		return len(name) == 0
	}
	if pattern[0] == "**" {
		for i := 0; i <= len(name); i++ {
			if matchParts(pattern[1:], name[i:]) {
				return true
			}
		}
		return false
	}
	if len(name) == 0 {
		return false
	}
	ok, err := path.Match(pattern[0], name[0])
	if err != nil || !ok {
		return false
	}
	return matchParts(pattern[1:], name[1:])
}
