package probe

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/testbed-dev/testbed/spec"
)

// nowhere is a Target whose ports are never published, and which answers
// every extension from canned values: fuzzed probes are checked without any
// network.
type nowhere struct{ text string }

func (n nowhere) Addr(port int, proto string) (string, error) {
	return "", errors.New("not published")
}
func (n nowhere) Exec(context.Context, []string) (int, []byte, error) { return 1, []byte(n.text), nil }
func (n nowhere) Logs(context.Context) ([]byte, error)                { return []byte(n.text), nil }
func (n nowhere) Health(context.Context) (string, error)              { return n.text, nil }
func (n nowhere) Exited(context.Context) (bool, int, error)           { return true, len(n.text), nil }

// fuzzProbe makes a spec probe of kind (mod 14) from fuzzed values.
func fuzzProbe(kind uint8, port int, path, re string, status int, cmd, send string, flag bool) *spec.Probe {
	switch kind % 14 {
	case 0:
		return &spec.Probe{TCP: &spec.TCPProbe{Port: port}}
	case 1:
		return &spec.Probe{HTTP: &spec.HTTPProbe{Port: port, Path: path, Status: status, TLS: flag}}
	case 2:
		return &spec.Probe{TLS: &spec.TCPProbe{Port: port}}
	case 3:
		return &spec.Probe{Banner: &spec.BannerProbe{Port: port, Send: send, Expect: re, TLS: flag}}
	case 4:
		return &spec.Probe{Exec: &spec.ExecProbe{Command: strings.Split(cmd, " ")}}
	case 5:
		return &spec.Probe{Log: &spec.LogProbe{Pattern: re}}
	case 6:
		return &spec.Probe{Health: true, Exited: flag}
	case 7:
		return &spec.Probe{Echo: &spec.TCPProbe{Port: port}}
	case 8:
		return &spec.Probe{Exited: true}
	case 9:
		return &spec.Probe{All: []*spec.Probe{
			{HTTP: &spec.HTTPProbe{Port: port, Path: path, Status: status}},
			{Banner: &spec.BannerProbe{Port: port, Expect: re}},
		}}
	case 10:
		return &spec.Probe{Any: []*spec.Probe{{Log: &spec.LogProbe{Pattern: re}}, {TCP: &spec.TCPProbe{Port: port}}}}
	case 11:
		return &spec.Probe{}
	case 12:
		return &spec.Probe{TCP: &spec.TCPProbe{Port: port}, HTTP: &spec.HTTPProbe{Port: port, Path: path}}
	default:
		return nil
	}
}

func FuzzFromSpec(f *testing.F) {
	f.Add(uint8(1), 8080, "/healthz", "^220 ", 200, "pg_isready -U postgres", "", false)
	f.Add(uint8(3), 21, "", "^220 ", 0, "", "", true)
	f.Add(uint8(3), 6379, "", `^\+PONG`, 0, "", "PING\r\n", false)
	f.Add(uint8(5), 0, "", "(?i)ready$", 0, "", "", false)
	f.Add(uint8(9), 70000, "//x", "(", 42, "", "", false)
	f.Add(uint8(10), -1, "/%zz", "a{1001}", 100, "\x00", "", true)
	f.Fuzz(func(t *testing.T, kind uint8, port int, path, re string, status int, cmd, send string, flag bool) {
		in := fuzzProbe(kind, port, path, re, status, cmd, send, flag)
		p, err := FromSpec(in, nil)
		if err != nil {
			if p != nil {
				t.Errorf("FromSpec() = %v, %v; want nil probe with an error", p, err)
			}
			if !strings.HasPrefix(err.Error(), "probe: ") {
				t.Errorf("FromSpec() error %q does not start with \"probe: \"", err)
			}
			return
		}
		if p.String() == "" {
			t.Errorf("String() is empty")
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		err = p.Check(ctx, nowhere{text: re})
		// A valid probe's failure to find an address is retryable: FromSpec
		// caught everything permanent (ports, paths), except what the target
		// reports (an exited code, a missing healthcheck).
		if err != nil && errors.Is(err, ErrPermanent) {
			switch kind % 14 {
			case 0, 1, 2, 3, 7, 9:
				t.Errorf("Check(%s) = %v, want a retryable error", p, err)
			}
		}
	})
}
