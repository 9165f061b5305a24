package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestPlainAndTimings(t *testing.T) {
	var buf bytes.Buffer
	r := &Recorder{Next: &Plain{W: &buf}}
	r.Event(Event{Server: "http", Phase: PhaseCreate, Detail: "p-http", Elapsed: 10 * time.Millisecond})
	r.Event(Event{Server: "http", Phase: PhaseWait, Detail: "tcp 80", Elapsed: 30 * time.Millisecond})
	r.Event(Event{Server: "http", Phase: PhaseReady, Elapsed: 45 * time.Millisecond})
	r.Event(Event{Phase: PhaseNetwork, Detail: "network p", Elapsed: 5 * time.Millisecond})
	if got, want := strings.Split(buf.String(), "\n")[0], "   0.010s http       creating  p-http"; got != want {
		t.Errorf("Plain line = %q, want %q", got, want)
	}
	want := "server      building  creating  starting   waiting     ready  (ms since up began)\n" +
		"http               -        10         -        30        45\n"
	if got := r.Timings(); got != want {
		t.Errorf("Timings() =\n%s\nwant\n%s", got, want)
	}
}

func TestJSON(t *testing.T) {
	var buf bytes.Buffer
	(&JSON{W: &buf}).Event(Event{Server: "a", Phase: PhaseReady})
	if !strings.Contains(buf.String(), `"phase":"ready"`) || !strings.HasSuffix(buf.String(), "}\n") {
		t.Errorf("JSON line = %q", buf.String())
	}
}
