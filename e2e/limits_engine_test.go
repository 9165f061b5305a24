package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/testbed-dev/testbed/engine/docker"
	"github.com/testbed-dev/testbed/internal/testenv"
	"github.com/testbed-dev/testbed/plan"
)

// checkLimits inspects a server's container: its memory (swap held to it)
// and pids limits are these; it logs what the container uses now.
func checkLimits(t *testing.T, b *bed, server string, memory, pids int64) {
	t.Helper()
	ctx := context.Background()
	name := plan.ContainerName(b.project, server)
	res, err := b.cli.ContainerInspect(ctx, name, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hc := res.Container.HostConfig
	gotPids := int64(0)
	if hc.PidsLimit != nil {
		gotPids = *hc.PidsLimit
	}
	if hc.Memory != memory || hc.PidsLimit == nil || gotPids != pids {
		t.Errorf("%s: memory %d pids %d, want %d and %d", server, hc.Memory, gotPids, memory, pids)
	}
	if memory > 0 && hc.MemorySwap != memory {
		t.Errorf("%s: memory+swap %d, want %d (no swap beyond the limit)", server, hc.MemorySwap, memory)
	}
	st, err := b.cli.ContainerStats(ctx, name, client.ContainerStatsOptions{Stream: false, IncludePreviousSample: false})
	if err != nil {
		t.Logf("%s: stats: %v", server, err)
		return
	}
	defer st.Body.Close()
	var v struct {
		MemoryStats struct{ Usage, Limit uint64 } `json:"memory_stats"`
		PidsStats   struct{ Current uint64 }      `json:"pids_stats"`
	}
	if err := json.NewDecoder(st.Body).Decode(&v); err == nil {
		t.Logf("%s: memory %.1f MiB of %.0f MiB, %d pids", server, float64(v.MemoryStats.Usage)/(1<<20), float64(v.MemoryStats.Limit)/(1<<20), v.PidsStats.Current)
	}
}

// TestBuiltinResourceLimits: a built-in server gets the default memory
// and pids limits; a spec's resources replace them field by field; an
// image server gets only what its spec sets. The http server answers a
// real client under its limits.
func TestBuiltinResourceLimits(t *testing.T) {
	t.Parallel()
	b := newBed(t)
	img := testenv.Busybox(t, b.cli)
	spec := b.write("testbed.yaml", `
servers:
  web: {builtin: http}
  small: {builtin: echo, resources: {memory: 64m, pids: 32}}
  half: {builtin: echo, resources: {pids: 100}}
  app: {image: `+img+`, command: [sleep, "3600"], ready: {exec: {command: ["true"]}}, resources: {memory: 32MiB}}
  free: {image: `+img+`, command: [sleep, "3600"], ready: {exec: {command: ["true"]}}}
`, 0o644)
	b.run("-f", spec, "up").must(t, "up")
	checkLimits(t, b, "web", docker.BuiltinMemory, docker.BuiltinPids)
	checkLimits(t, b, "small", 64<<20, 32)
	checkLimits(t, b, "half", docker.BuiltinMemory, 100)
	res, err := b.cli.ContainerInspect(context.Background(), plan.ContainerName(b.project, "app"), client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if hc := res.Container.HostConfig; hc.Memory != 32<<20 || hc.PidsLimit != nil && *hc.PidsLimit > 0 {
		t.Errorf("app: memory %d pids %v, want 32 MiB and no pids limit", hc.Memory, hc.PidsLimit)
	}
	res, err = b.cli.ContainerInspect(context.Background(), plan.ContainerName(b.project, "free"), client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if hc := res.Container.HostConfig; hc.Memory != 0 || hc.PidsLimit != nil && *hc.PidsLimit > 0 {
		t.Errorf("free: memory %d pids %v, want no limits on an image server whose spec sets none", hc.Memory, hc.PidsLimit)
	}
	// The http server works under its limits: many requests, a large body.
	c := &http.Client{Timeout: 30 * time.Second}
	defer c.CloseIdleConnections()
	for i := 0; i < 200; i++ {
		testenv.Get(t, c, "http://"+b.manifest().Servers["web"].Ports["80/tcp"]+"/bytes/1048576")
	}
	checkLimits(t, b, "web", docker.BuiltinMemory, docker.BuiltinPids)
}
