package spec

import (
	"fmt"
	"strings"
)

// Subset returns a copy of t with only the named servers and every server
// they depend on, in t's order.
func (t *Testbed) Subset(names []string) (*Testbed, error) {
	keep := map[string]bool{}
	var add func(name string) error
	add = func(name string) error {
		s := t.Server(name)
		if s == nil {
			var have []string
			for _, s := range t.Servers {
				have = append(have, s.Name)
			}
			return fmt.Errorf("no server %q in the spec (have %s)", name, strings.Join(have, ", "))
		}
		if keep[name] {
			return nil
		}
		keep[name] = true
		for _, d := range s.DependsOn {
			if err := add(d.Name); err != nil {
				return err
			}
		}
		return nil
	}
	for _, n := range names {
		if err := add(n); err != nil {
			return nil, err
		}
	}
	out := *t
	out.Servers = nil
	for _, s := range t.Servers {
		if keep[s.Name] {
			out.Servers = append(out.Servers, s)
		}
	}
	return &out, nil
}
