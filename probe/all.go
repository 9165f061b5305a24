package probe

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// All is ready when every child is: children are checked in parallel, and
// the error lists each failing one. It fails for good as soon as one child
// does. All() with no children is always ready.
func All(children ...Probe) Probe {
	return &group{op: "all", children: append([]Probe(nil), children...)}
}

// Any is ready when at least one child is: children are checked in parallel
// and the others are cancelled once one passes. It fails for good only when
// every child does. Any() with no children fails for good.
func Any(children ...Probe) Probe {
	return &group{op: "any", any: true, children: append([]Probe(nil), children...)}
}

// group is All or Any.
type group struct {
	op       string
	any      bool
	children []Probe
}

var _ Probe = (*group)(nil)

// Check checks every child at once.
func (p *group) Check(ctx context.Context, t Target) error {
	if len(p.children) == 0 {
		if p.any {
			return Permanent(errors.New("any: no probes"))
		}
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make([]error, len(p.children))
	var wg sync.WaitGroup
	for i, c := range p.children {
		wg.Go(func() {
			if c == nil {
				errs[i] = Permanent(errors.New("nil probe"))
				return
			}
			errs[i] = c.Check(ctx, t)
			if errs[i] == nil && p.any {
				cancel()
			}
		})
	}
	wg.Wait()

	ge := &groupError{group: p}
	permanent := 0
	for i, err := range errs {
		if err == nil {
			if p.any {
				return nil
			}
			continue
		}
		ge.failed = append(ge.failed, childError{probe: p.children[i], err: err})
		if errors.Is(err, ErrPermanent) {
			permanent++
		}
	}
	switch {
	case len(ge.failed) == 0:
		return nil
	case p.any:
		ge.permanent = permanent == len(p.children)
	default:
		ge.permanent = permanent > 0
	}
	return ge
}

// String is "all(tcp 80, tls 443)" or "any(...)".
func (p *group) String() string {
	names := make([]string, len(p.children))
	for i, c := range p.children {
		names[i] = "<nil>"
		if c != nil {
			names[i] = c.String()
		}
	}
	return p.op + "(" + strings.Join(names, ", ") + ")"
}

type childError struct {
	probe Probe
	err   error
}

// groupError lists the children of an all or any probe that failed. It is
// permanent when the group can never pass; the children's errors are
// reachable with errors.Is and errors.As, but a child's permanence counts only
// through the group's.
type groupError struct {
	group     *group
	failed    []childError
	permanent bool
}

func (e *groupError) Error() string {
	var b strings.Builder
	if e.group.any {
		fmt.Fprintf(&b, "any: none of %d ready: ", len(e.group.children))
	} else {
		fmt.Fprintf(&b, "all: %d of %d not ready: ", len(e.failed), len(e.group.children))
	}
	for i, f := range e.failed {
		if i > 0 {
			b.WriteString("; ")
		}
		name := "<nil>"
		if f.probe != nil {
			name = f.probe.String()
		}
		fmt.Fprintf(&b, "%s: %v", name, f.err)
	}
	return b.String()
}

func (e *groupError) Is(target error) bool { return target == ErrPermanent && e.permanent }

func (e *groupError) Unwrap() []error {
	out := make([]error, len(e.failed))
	for i, f := range e.failed {
		out[i] = f.err
		if !e.permanent {
			out[i] = transient{f.err}
		}
	}
	return out
}

// transient hides a child's permanence inside a group that may still pass.
type transient struct{ err error }

func (e transient) Error() string { return e.err.Error() }

func (e transient) Is(target error) bool {
	return target != ErrPermanent && errors.Is(e.err, target)
}

func (e transient) As(target any) bool { return errors.As(e.err, target) }
