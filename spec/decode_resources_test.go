package spec

import (
	"strings"
	"testing"
)

func TestResourcesNative(t *testing.T) {
	dir := t.TempDir()
	tb, err := loadString(t, dir, "testbed.yaml", "servers:\n  web: {builtin: http, resources: {memory: 256MiB, cpus: 1.5, pids: 64}}\n  e: {builtin: echo, resources: {memory: \"1048576000\"}}\n")
	if err != nil {
		t.Fatal(err)
	}
	if r := tb.Server("web").Resources; r == nil || *r != (Resources{Memory: 256 << 20, NanoCPUs: 1.5e9, Pids: 64}) {
		t.Errorf("web resources = %+v", r)
	}
	if r := tb.Server("e").Resources; r == nil || r.Memory != 1048576000 {
		t.Errorf("e resources = %+v", r)
	}
	for body, want := range map[string]string{
		"servers:\n  web: {builtin: http, resources: {memory: lots}}\n": "size \"lots\"",
		"servers:\n  web: {builtin: http, resources: {cpus: 0}}\n":      "cpus \"0\"",
		"servers:\n  web: {builtin: http, resources: {pids: x}}\n":      "decimal integer",
		"servers:\n  web: {builtin: http, resources: {memory: 1k}}\n":   "6 MiB",
		"servers:\n  web: {builtin: http, resources: {mem: 1g}}\n":      "mem",
	} {
		if err := check(t, dir, body); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", body, err, want)
		}
	}
	for s, want := range map[string]int64{"0": 0, "512": 512, "4k": 4096, "256m": 256 << 20, "2G": 2 << 30, "64mb": 64 << 20} {
		if got, err := ParseBytes(s); err != nil || got != want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
}
