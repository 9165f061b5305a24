// Package faultapi is the control API of testbed's fault server
// (servers/faults): the JSON shape of a fault, and a [Client] that lists,
// sets and clears the faults of its ports at run time.
//
//	c := faultapi.NewClient("127.0.0.1:49160", nil) // the server's 8474/tcp
//	err := c.Latency(200 * time.Millisecond)        // on the proxy port, 8000
//	...
//	err = c.Clear()                                 // back to no fault
package faultapi

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Mode is what a port does with a new connection.
type Mode string

// The modes. The zero Mode relays to the target.
const (
	ModeRelay     Mode = ""          // relay to the target, with the fault's shaping
	ModeSilent    Mode = "silent"    // accept, read and drop everything, never answer
	ModeReset     Mode = "reset"     // accept, then reset the connection (RST)
	ModeBlackhole Mode = "blackhole" // drop every packet: the TCP handshake never completes
)

// Fault is what a port does to its connections. The zero Fault relays to
// the target untouched. Shaping (latency, bandwidth, slicing) applies to
// every chunk relayed in either direction, also on connections already
// open; Mode, CloseAfter and Target apply to new connections.
type Fault struct {
	Mode       Mode     `json:"mode,omitempty"`
	Latency    Duration `json:"latency,omitempty"`     // each chunk is held this long (each way)
	Jitter     Duration `json:"jitter,omitempty"`      // plus or minus up to this much, at random
	Bandwidth  int64    `json:"bandwidth,omitempty"`   // bytes per second, each way; 0 = unlimited
	Slice      int      `json:"slice,omitempty"`       // write at most this many bytes at a time; 0 = whole chunks
	SliceDelay Duration `json:"slice_delay,omitempty"` // pause between slices
	CloseAfter int64    `json:"close_after,omitempty"` // close both sides after this many bytes to the client; 0 = never
	Target     string   `json:"target,omitempty"`      // "server:port" to relay to instead of the server's target
}

// Validate reports a fault that cannot be applied.
func (f Fault) Validate() error {
	switch f.Mode {
	case ModeRelay, ModeSilent, ModeReset, ModeBlackhole:
	default:
		return fmt.Errorf("mode %q: want one of silent, reset, blackhole or none", f.Mode)
	}
	switch {
	case f.Latency < 0, f.Jitter < 0, f.SliceDelay < 0:
		return fmt.Errorf("durations must not be negative")
	case f.Jitter > f.Latency:
		return fmt.Errorf("jitter %s is larger than latency %s", f.Jitter, f.Latency)
	case f.Bandwidth < 0, f.Slice < 0, f.CloseAfter < 0:
		return fmt.Errorf("bandwidth, slice and close_after must not be negative")
	case f.Latency > Duration(MaxDelay), f.SliceDelay > Duration(MaxDelay):
		return fmt.Errorf("delays are limited to %s", MaxDelay)
	}
	return nil
}

// MaxDelay bounds Latency and SliceDelay.
const MaxDelay = time.Minute

// String is a short description for logs: "latency=200ms±50ms bandwidth=1024".
func (f Fault) String() string {
	var parts []string
	if f.Mode != ModeRelay {
		parts = append(parts, string(f.Mode))
	}
	if f.Latency > 0 {
		s := "latency=" + f.Latency.String()
		if f.Jitter > 0 {
			s += "±" + f.Jitter.String()
		}
		parts = append(parts, s)
	}
	if f.Bandwidth > 0 {
		parts = append(parts, fmt.Sprintf("bandwidth=%d", f.Bandwidth))
	}
	if f.Slice > 0 {
		parts = append(parts, fmt.Sprintf("slice=%d/%s", f.Slice, f.SliceDelay))
	}
	if f.CloseAfter > 0 {
		parts = append(parts, fmt.Sprintf("close-after=%d", f.CloseAfter))
	}
	if f.Target != "" {
		parts = append(parts, "target="+f.Target)
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, " ")
}

// Port is one port of the fault server as the API lists it.
type Port struct {
	Port   int    `json:"port"`   // the container port, e.g. 8000
	Name   string `json:"name"`   // "proxy", "latency", ...
	Target string `json:"target"` // where relayed connections go
	Fault  Fault  `json:"fault"`  // in force now
	Preset Fault  `json:"preset"` // what Clear goes back to
}

// Duration is a time.Duration written in JSON as a string ("200ms").
type Duration time.Duration

// String is time.Duration's.
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalJSON writes "200ms".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads "200ms" or a number of nanoseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var n int64
		if err2 := json.Unmarshal(b, &n); err2 != nil {
			return fmt.Errorf("duration: want a string like \"200ms\": %w", err)
		}
		*d = Duration(n)
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("duration: %w", err)
	}
	*d = Duration(v)
	return nil
}
