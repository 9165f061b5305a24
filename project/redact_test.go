package project

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/testbed-dev/testbed/catalog"
	"github.com/testbed-dev/testbed/lifecycle"
	"github.com/testbed-dev/testbed/probe"
	"github.com/testbed-dev/testbed/progress"
	"github.com/testbed-dev/testbed/spec"
)

func TestRedactErrorAndSink(t *testing.T) {
	s := &Spec{Catalog: catalog.New(), Testbed: &spec.Testbed{Servers: []*spec.Server{
		{Name: "db", Image: "x", Env: map[string]string{"DATABASE_URL": "postgres://u:url-pw-1@db/x"}},
		{Name: "web", Builtin: "http", Options: map[string]string{"password": "opt-pw-2"}},
	}}}
	red := s.Redactor()
	se := &lifecycle.ServerError{Server: "db", Phase: "readiness", Err: probe.ErrNotReady, Log: "url-pw-1 and opt-pw-2\n"}
	err := RedactError(fmt.Errorf("up: %w", errors.Join(se, errors.New("roll back: opt-pw-2"))), red)
	if msg := err.Error(); strings.Contains(msg, "url-pw-1") || strings.Contains(msg, "opt-pw-2") {
		t.Errorf("RedactError() = %q, want the secrets masked", msg)
	}
	var got *lifecycle.ServerError
	if !errors.As(err, &got) || !errors.Is(err, probe.ErrNotReady) {
		t.Fatalf("RedactError() lost the chain: As = %v, Is(ErrNotReady) = %v", got, errors.Is(err, probe.ErrNotReady))
	}
	if got.Log != "******** and ********\n" {
		t.Errorf("ServerError.Log = %q, want both secrets masked", got.Log)
	}
	var rec progress.Recorder
	RedactSink(&rec, red).Event(progress.Event{Server: "db", Phase: progress.PhaseWait, Detail: "exec check opt-pw-2"})
	if ev := rec.Events; len(ev) != 1 || ev[0].Detail != "exec check ********" {
		t.Errorf("RedactSink passed %+v, want the detail masked", ev)
	}
}
