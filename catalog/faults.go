package catalog

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/testbed-dev/testbed/servers/faults"
	"github.com/testbed-dev/testbed/servers/faults/faultapi"
	"github.com/testbed-dev/testbed/spec"
)

// faultPorts are the fault kind's ports: each relays to the target (or
// misbehaves on its own) with its preset, made from the kind's options.
var faultPorts = []struct {
	port   int
	name   string
	note   string
	preset func(opts map[string]string) (faultapi.Fault, error)
}{
	{faultapi.ProxyPort, "proxy", "relay to the target, no fault until one is set", noPreset},
	{8001, "silent", "accepts, reads, never answers", modePreset(faultapi.ModeSilent)},
	{8002, "reset", "accepts, then resets (RST)", modePreset(faultapi.ModeReset)},
	{8003, "close-after", "relays, closes after close-after bytes to the client", func(o map[string]string) (faultapi.Fault, error) {
		n, err := positiveInt(o, "close-after")
		return faultapi.Fault{CloseAfter: n}, err
	}},
	{8004, "latency", "relays, every chunk held latency±jitter each way", func(o map[string]string) (faultapi.Fault, error) {
		lat, err := duration(o, "latency")
		if err != nil {
			return faultapi.Fault{}, err
		}
		jit, err := duration(o, "jitter")
		return faultapi.Fault{Latency: faultapi.Duration(lat), Jitter: faultapi.Duration(jit)}, err
	}},
	{8005, "bandwidth", "relays at bandwidth bytes/s each way", func(o map[string]string) (faultapi.Fault, error) {
		n, err := positiveInt(o, "bandwidth")
		return faultapi.Fault{Bandwidth: n}, err
	}},
	{8006, "slice", "relays in writes of slice bytes, slice-delay apart", func(o map[string]string) (faultapi.Fault, error) {
		n, err := positiveInt(o, "slice")
		if err != nil {
			return faultapi.Fault{}, err
		}
		d, err := duration(o, "slice-delay")
		return faultapi.Fault{Slice: int(n), SliceDelay: faultapi.Duration(d)}, err
	}},
	{8007, "blackhole", "never completes a TCP handshake (connects time out)", modePreset(faultapi.ModeBlackhole)},
}

// faultsKind is the built-in fault server (servers/faults).
func faultsKind() *Kind {
	k := &Kind{
		Name:        "faults",
		Summary:     "fault proxy in front of a testbed server, and ports that misbehave (silent, reset, no handshake)",
		Credentials: "none",
		Endpoints: []string{
			"8000: relays to target; change its fault at run time through 8474",
			"8474 GET /faults, GET|PUT|DELETE /faults/{port}: list, set (JSON: mode, latency, jitter, bandwidth, slice, slice_delay, close_after, target), back to preset",
			"Go: bed.Faults(\"faults\").Latency(200*time.Millisecond), .Port(8004).Clear(), ...",
			"8007 (docker): holds for clients on the testbed network; through a published port the engine's userland proxy accepts, then stays silent",
		},
		Options: []Option{
			{Name: "target", Default: "http:80", Help: "server:port the relaying ports connect to"},
			{Name: "close-after", Default: "64", Help: "bytes to the client before 8003 closes"},
			{Name: "latency", Default: "500ms", Help: "latency of 8004, each way"},
			{Name: "jitter", Default: "100ms", Help: "jitter of 8004 (at most latency)"},
			{Name: "bandwidth", Default: "10240", Help: "bytes per second of 8005, each way"},
			{Name: "slice", Default: "1", Help: "bytes per write on 8006"},
			{Name: "slice-delay", Default: "1ms", Help: "pause between writes on 8006"},
			{Name: "connect-timeout", Default: "10s", Help: "bound on connecting to the target"},
		},
		Ready: func(map[string]string) *spec.Probe {
			return &spec.Probe{HTTP: &spec.HTTPProbe{Port: faultapi.ControlPort, Path: "/faults", Status: 200}}
		},
		Run: runFaults,
	}
	for _, p := range faultPorts {
		k.Ports = append(k.Ports, PortInfo{Port: p.port, Proto: "tcp", Note: p.name + ": " + p.note})
	}
	k.Ports = append(k.Ports, PortInfo{Port: faultapi.ControlPort, Proto: "tcp", Note: "control API (HTTP, JSON)"})
	return k
}

func runFaults(ctx context.Context, env Env) error {
	timeout, err := duration(env.Options, "connect-timeout")
	if err != nil {
		return fmt.Errorf("faults: %w", err)
	}
	srv := faults.New(faults.Options{
		Target:         env.Options["target"],
		Dialer:         kindDialer(env),
		ConnectTimeout: timeout,
		Logger:         env.Logger,
	})
	var serves []func() error
	for _, p := range faultPorts {
		l := env.Listeners[PortInfo{Port: p.port, Proto: "tcp"}.Key()]
		if l == nil {
			continue
		}
		preset, err := p.preset(env.Options)
		if err != nil {
			srv.Close()
			return fmt.Errorf("faults: port %d: %w", p.port, err)
		}
		serves = append(serves, func() error { return srv.ServePort(l, p.port, p.name, preset) })
	}
	serves = append(serves, servesOn(env.Listeners, map[string]func(net.Listener) error{
		PortInfo{Port: faultapi.ControlPort, Proto: "tcp"}.Key(): srv.ServeControl,
	})...)
	return runServersUntilDone(ctx, "faults", serves, srv.Close)
}

func noPreset(map[string]string) (faultapi.Fault, error) { return faultapi.Fault{}, nil }

func modePreset(m faultapi.Mode) func(map[string]string) (faultapi.Fault, error) {
	return func(map[string]string) (faultapi.Fault, error) { return faultapi.Fault{Mode: m}, nil }
}

func positiveInt(opts map[string]string, name string) (int64, error) {
	n, err := strconv.ParseInt(opts[name], 10, 64)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("option %s=%q: want a positive number", name, opts[name])
	}
	return n, nil
}

func duration(opts map[string]string, name string) (time.Duration, error) {
	d, err := time.ParseDuration(opts[name])
	if err != nil || d < 0 || d > faultapi.MaxDelay {
		return 0, fmt.Errorf("option %s=%q: want a duration like 200ms, at most %s", name, opts[name], faultapi.MaxDelay)
	}
	return d, nil
}
