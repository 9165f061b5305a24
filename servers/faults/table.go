package faults

import (
	"fmt"
	"maps"
	"slices"
	"sync"

	"github.com/testbed-dev/testbed/servers/faults/faultapi"
)

// Table holds the fault of each port. It is safe for concurrent use.
type Table struct {
	target string
	apply  func(port int, f faultapi.Fault) error // makes a change take effect outside the table

	mu    sync.Mutex
	ports map[int]*faultapi.Port
}

// NewTable returns an empty table whose ports relay to target unless their
// fault names another; apply, when not nil, is called on every change
// before it is recorded, and a failure refuses the change.
func NewTable(target string, apply func(port int, f faultapi.Fault) error) *Table {
	return &Table{target: target, apply: apply, ports: map[int]*faultapi.Port{}}
}

// Add registers a port with its preset, which is also in force at once.
func (t *Table) Add(port int, name string, preset faultapi.Fault) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, dup := t.ports[port]; dup {
		return fmt.Errorf("port %d served twice", port)
	}
	if err := t.applyLocked(port, preset); err != nil {
		return err
	}
	t.ports[port] = &faultapi.Port{Port: port, Name: name, Fault: preset, Preset: preset}
	return nil
}

// List returns every port, by number.
func (t *Table) List() []faultapi.Port {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]faultapi.Port, 0, len(t.ports))
	for _, n := range slices.Sorted(maps.Keys(t.ports)) {
		out = append(out, t.viewLocked(n))
	}
	return out
}

// Get returns one port.
func (t *Table) Get(port int) (faultapi.Port, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.ports[port]; !ok {
		return faultapi.Port{}, false
	}
	return t.viewLocked(port), true
}

// Set puts f in force on port.
func (t *Table) Set(port int, f faultapi.Fault) (faultapi.Port, error) {
	if err := f.Validate(); err != nil {
		return faultapi.Port{}, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	p, ok := t.ports[port]
	if !ok {
		return faultapi.Port{}, fmt.Errorf("no fault port %d: %w", port, errNoPort)
	}
	if err := t.applyLocked(port, f); err != nil {
		return faultapi.Port{}, err
	}
	p.Fault = f
	return t.viewLocked(port), nil
}

// Clear puts the port's preset back in force.
func (t *Table) Clear(port int) (faultapi.Port, error) {
	t.mu.Lock()
	p, ok := t.ports[port]
	t.mu.Unlock()
	if !ok {
		return faultapi.Port{}, fmt.Errorf("no fault port %d: %w", port, errNoPort)
	}
	return t.Set(port, p.Preset)
}

// fault is what a new connection on port gets: the fault and the target.
func (t *Table) fault(port int) (faultapi.Fault, string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.ports[port]
	if p == nil {
		return faultapi.Fault{}, t.target
	}
	return p.Fault, t.targetLocked(p)
}

func (t *Table) applyLocked(port int, f faultapi.Fault) error {
	if t.apply == nil {
		return nil
	}
	return t.apply(port, f)
}

func (t *Table) targetLocked(p *faultapi.Port) string {
	if p.Fault.Target != "" {
		return p.Fault.Target
	}
	return t.target
}

func (t *Table) viewLocked(port int) faultapi.Port {
	p := *t.ports[port]
	p.Target = t.targetLocked(&p)
	return p
}
