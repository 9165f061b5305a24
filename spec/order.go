package spec

import (
	"errors"
	"fmt"
	"strings"
)

// Order groups the servers into dependency levels: servers of one level
// depend only on servers of earlier levels, so each level can start once
// the previous one is ready. Servers keep their source order within a level.
// It fails, with [*Error]s, on a dependency that names no server, on a
// server that depends on itself, and on cycles ("a -> b -> a").
func (t *Testbed) Order() ([][]*Server, error) {
	if errs := t.depErrors(); len(errs) > 0 {
		list := make([]error, len(errs))
		for i, e := range errs {
			list[i] = e
		}
		return nil, errors.Join(list...)
	}
	index := t.serverIndex()
	level := make([]int, len(t.Servers))
	done := make([]bool, len(t.Servers))
	var visit func(i int) int
	visit = func(i int) int {
		if done[i] {
			return level[i]
		}
		l := 0
		for _, d := range t.Servers[i].DependsOn {
			l = max(l, visit(index[d.Name])+1)
		}
		level[i], done[i] = l, true
		return l
	}
	var out [][]*Server
	for i, s := range t.Servers {
		if s == nil {
			continue
		}
		l := visit(i)
		for len(out) <= l {
			out = append(out, nil)
		}
		out[l] = append(out[l], s)
	}
	return out, nil
}

// serverIndex maps names to positions in Servers (the first one wins).
func (t *Testbed) serverIndex() map[string]int {
	index := make(map[string]int, len(t.Servers))
	for i, s := range t.Servers {
		if s == nil {
			continue
		}
		if _, dup := index[s.Name]; !dup {
			index[s.Name] = i
		}
	}
	return index
}

// depErrors reports dependencies on unknown servers, on the server itself,
// listed twice, and cycles.
func (t *Testbed) depErrors() []*Error {
	var errs []*Error
	index := t.serverIndex()
	for _, s := range t.Servers {
		if s == nil {
			continue
		}
		seen := map[string]bool{}
		for i, d := range s.DependsOn {
			f := fmt.Sprintf("depends_on[%d]", i)
			switch _, ok := index[d.Name]; {
			case d.Name == s.Name:
				errs = append(errs, t.serverError(s, f, "a server cannot depend on itself"))
			case !ok:
				errs = append(errs, t.serverError(s, f, fmt.Sprintf("depends on %s, which is not a server here", Quote(d.Name))))
			case seen[d.Name]:
				errs = append(errs, t.serverError(s, f, fmt.Sprintf("%s listed twice", Quote(d.Name))))
			}
			seen[d.Name] = true
		}
	}
	for _, c := range t.cycles(index) {
		names := make([]string, len(c.path))
		for i, n := range c.path {
			names[i] = t.Servers[n].Name
		}
		s := t.Servers[c.path[0]]
		errs = append(errs, t.serverError(s, fmt.Sprintf("depends_on[%d]", c.dep),
			"dependency cycle: "+strings.Join(names, " -> ")))
	}
	return errs
}

// cycle is a dependency cycle: server indexes from the first back to it,
// and the index in the first server's DependsOn that starts it.
type cycle struct {
	path []int
	dep  int
}

// cycles finds dependency cycles by depth-first search in source order,
// reporting each tangle once (a cycle through a server already in a
// reported cycle is not reported again). Self-dependencies are left to the
// caller.
func (t *Testbed) cycles(index map[string]int) []cycle {
	const (
		white = iota
		grey
		black
	)
	n := len(t.Servers)
	state := make([]int, n)
	pos := make([]int, n) // position on the stack while grey
	via := make([]int, n) // DependsOn index each stacked server follows next
	inCycle := make([]bool, n)
	var stack []int
	var out []cycle
	var visit func(i int)
	visit = func(i int) {
		state[i], pos[i] = grey, len(stack)
		stack = append(stack, i)
		for k, d := range t.Servers[i].DependsOn {
			j, ok := index[d.Name]
			if !ok || j == i {
				continue
			}
			via[i] = k
			switch state[j] {
			case white:
				visit(j)
			case grey:
				path := append([]int(nil), stack[pos[j]:]...)
				if anyIn(path, inCycle) {
					continue
				}
				for _, m := range path {
					inCycle[m] = true
				}
				out = append(out, cycle{path: append(path, j), dep: via[j]})
			}
		}
		stack = stack[:len(stack)-1]
		state[i] = black
	}
	for i, s := range t.Servers {
		if s != nil && state[i] == white {
			visit(i)
		}
	}
	return out
}

func anyIn(path []int, set []bool) bool {
	for _, i := range path {
		if set[i] {
			return true
		}
	}
	return false
}
