// Package progress reports what `up` and `down` are doing: a live line per
// server on a terminal, one line per event for CI logs, JSON lines for
// programs, or nothing.
package progress

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/testbed-dev/testbed/internal/printable"
)

// Phases a server goes through.
const (
	PhaseBuild   = "building"
	PhasePush    = "pushing" // an image to a registry (build --push)
	PhaseCreate  = "creating"
	PhaseStart   = "starting"
	PhaseWait    = "waiting"
	PhaseReady   = "ready"
	PhaseFailed  = "failed"
	PhaseRemove  = "removing"
	PhaseRemoved = "removed"
	PhaseInfo    = "info"
	PhaseNetwork = "network" // the project network exists
)

// Event is one step of one server (Server "" for the project as a whole).
type Event struct {
	Time   time.Time `json:"time"`
	Server string    `json:"server,omitempty"`
	Phase  string    `json:"phase"`
	Detail string    `json:"detail,omitempty"`
	// Cause is the whole error behind a failed event, in the engine's
	// words; Detail is the one readable line the display shows.
	Cause   string        `json:"cause,omitempty"`
	Elapsed time.Duration `json:"elapsed_ns,omitempty"` // since the run started
}

// Sink receives events; implementations are safe for concurrent use.
type Sink interface {
	Event(Event)
}

// Discard drops every event.
type Discard struct{}

// Event implements Sink.
func (Discard) Event(Event) {}

// Plain writes one line per event: "  0.123s http      waiting  http GET / on 80".
type Plain struct {
	mu sync.Mutex
	W  io.Writer
}

// Event implements Sink.
func (p *Plain) Event(e Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.W, "%8.3fs %-10s %-9s %s\n", e.Elapsed.Seconds(), printable.Line(orProject(e.Server)), e.Phase, printable.Line(e.Detail))
}

func orProject(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// JSON writes one JSON object per line.
type JSON struct {
	mu sync.Mutex
	W  io.Writer
}

// Event implements Sink.
func (j *JSON) Event(e Event) {
	j.mu.Lock()
	defer j.mu.Unlock()
	b, _ := json.Marshal(e)
	fmt.Fprintf(j.W, "%s\n", b)
}

// Recorder keeps every event, for tests and for `up --timings`.
type Recorder struct {
	mu     sync.Mutex
	Events []Event
	Next   Sink // also receives every event; may be nil
}

// Event implements Sink.
func (r *Recorder) Event(e Event) {
	r.mu.Lock()
	r.Events = append(r.Events, e)
	r.mu.Unlock()
	if r.Next != nil {
		r.Next.Event(e)
	}
}

// Failures are the failed events' servers and causes (the engine's
// words), in the order they came, for --verbose.
func (r *Recorder) Failures() []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Event
	for _, e := range r.Events {
		if e.Phase == PhaseFailed {
			out = append(out, e)
		}
	}
	return out
}

// Timings prints a per-server waterfall: when each phase began.
func (r *Recorder) Timings() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	first := map[string]map[string]time.Duration{}
	for _, e := range r.Events {
		if e.Server == "" {
			continue
		}
		if first[e.Server] == nil {
			first[e.Server] = map[string]time.Duration{}
		}
		if _, ok := first[e.Server][e.Phase]; !ok {
			first[e.Server][e.Phase] = e.Elapsed
		}
	}
	names := make([]string, 0, len(first))
	for n := range first {
		names = append(names, n)
	}
	sort.Strings(names)
	phases := []string{PhaseBuild, PhaseCreate, PhaseStart, PhaseWait, PhaseReady}
	var b strings.Builder
	fmt.Fprintf(&b, "%-10s", "server")
	for _, p := range phases {
		fmt.Fprintf(&b, " %9s", p)
	}
	b.WriteString("  (ms since up began)\n")
	for _, n := range names {
		fmt.Fprintf(&b, "%-10s", n)
		for _, p := range phases {
			if d, ok := first[n][p]; ok {
				fmt.Fprintf(&b, " %9d", d.Milliseconds())
			} else {
				fmt.Fprintf(&b, " %9s", "-")
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// Tee passes every event to each of its sinks.
type Tee []Sink

// Event implements Sink.
func (t Tee) Event(e Event) {
	for _, s := range t {
		s.Event(e)
	}
}
