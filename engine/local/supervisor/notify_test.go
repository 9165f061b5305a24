package supervisor

import (
	"bytes"
	"testing"

	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/progress"
)

type nopCloser struct{ *bytes.Buffer }

func (nopCloser) Close() error { return nil }

// Events sent before the report reach the spawning side's sink, in order.
func TestNotifyEventsThenReport(t *testing.T) {
	var pipe bytes.Buffer
	sink := &NotifySink{W: &pipe}
	sink.Event(progress.Event{Server: "http", Phase: progress.PhaseCreate})
	sink.Event(progress.Event{Server: "http", Phase: progress.PhaseReady})
	if err := report(nopCloser{&pipe}, message{Ready: &endpoints.Manifest{Project: "p"}}); err != nil {
		t.Fatal(err)
	}
	rec := &progress.Recorder{}
	m, err := readReport(&pipe, rec)
	if err != nil || m.Ready == nil || m.Ready.Project != "p" {
		t.Fatalf("readReport() = %+v, %v", m, err)
	}
	if len(rec.Events) != 2 || rec.Events[0].Phase != progress.PhaseCreate || rec.Events[1].Phase != progress.PhaseReady {
		t.Errorf("events = %+v, want creating then ready", rec.Events)
	}
}
