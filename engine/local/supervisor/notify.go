package supervisor

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"

	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/progress"
)

// NotifyEnv names the environment variable that tells a supervisor which
// file descriptor to report on (Spawn sets it to 3).
const NotifyEnv = "TESTBED_SUPERVISOR_NOTIFY"

// message is what a supervisor reports on its notify pipe: progress events
// while it brings the servers up, then once ready or failed.
type message struct {
	Event *progress.Event     `json:"event,omitempty"`
	Ready *endpoints.Manifest `json:"ready,omitempty"`
	Error string              `json:"error,omitempty"`
}

// NotifySink passes progress events to the process that spawned the
// supervisor, over the notify pipe, so its `up` shows them live.
type NotifySink struct {
	mu sync.Mutex
	W  io.Writer
}

// Event implements progress.Sink. A failed write only loses the event.
func (s *NotifySink) Event(e progress.Event) {
	if s == nil || s.W == nil {
		return
	}
	b, err := json.Marshal(message{Event: &e})
	if err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, _ = s.W.Write(append(b, '\n'))
}

// NotifyFromEnv returns the pipe named by NotifyEnv, or nil when the
// variable is unset (a supervisor started by hand). The variable is removed
// so that programs the supervisor runs do not inherit it.
func NotifyFromEnv() (io.WriteCloser, error) {
	v, ok := os.LookupEnv(NotifyEnv)
	if !ok {
		return nil, nil
	}
	os.Unsetenv(NotifyEnv)
	fd, err := strconv.Atoi(v)
	if err != nil || fd < 3 {
		return nil, fmt.Errorf("%s=%q: want a file descriptor number >= 3", NotifyEnv, v)
	}
	f := os.NewFile(uintptr(fd), "notify")
	if f == nil {
		return nil, fmt.Errorf("%s=%d: not an open file descriptor", NotifyEnv, fd)
	}
	return f, nil
}

// report writes one message and closes w; a nil w is fine.
func report(w io.WriteCloser, m message) error {
	if w == nil {
		return nil
	}
	b, err := json.Marshal(m)
	if err == nil {
		_, err = w.Write(append(b, '\n'))
	}
	return errors.Join(err, w.Close())
}

// readReport reads messages from r, passing events to sink (nil drops
// them), until the final report.
func readReport(r io.Reader, sink progress.Sink) (message, error) {
	dec := json.NewDecoder(io.LimitReader(r, 16<<20))
	for {
		var m message
		if err := dec.Decode(&m); err != nil {
			return m, err
		}
		if m.Event != nil {
			if sink != nil {
				sink.Event(*m.Event)
			}
			continue
		}
		if m.Ready == nil && m.Error == "" {
			return m, errors.New("empty report")
		}
		return m, nil
	}
}

// ReportError reports a failure that happened before Serve (loading the
// spec, planning) on w and closes it; a nil w or err is a no-op.
func ReportError(w io.WriteCloser, err error) {
	if w == nil || err == nil {
		return
	}
	_ = report(w, message{Error: err.Error()})
}
