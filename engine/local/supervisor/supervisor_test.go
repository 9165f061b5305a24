package supervisor_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/testbed-dev/testbed/endpoints"
	"github.com/testbed-dev/testbed/engine/local/supervisor"
	"github.com/testbed-dev/testbed/owner"
)

// TestSpawnServeStop: a spawned supervisor serves after Spawn returned,
// records itself, and Stop ends it with every port closed.
func TestSpawnServeStop(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "proj")
	if err := spawn(t, "serve", dir, "proj"); err != nil {
		t.Fatalf("Spawn() = %v", err)
	}
	rec, err := supervisor.ReadRecord(dir)
	if err != nil {
		t.Fatalf("ReadRecord() = %v", err)
	}
	t.Cleanup(func() { syscall.Kill(rec.PID, syscall.SIGKILL) })
	if rec.State != supervisor.StateReady || rec.Project != "proj" || !rec.Alive() {
		t.Errorf("record = %+v (alive %v), want a live ready supervisor of proj", rec, rec.Alive())
	}
	m, err := endpoints.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	addr, err := m.Addr("echo", "7")
	if err != nil {
		t.Fatal(err)
	}
	echo(t, addr)
	if b, err := os.ReadFile(supervisor.ServerLog(dir, "echo")); err != nil || !strings.Contains(string(b), "server=echo") {
		t.Errorf("echo's log file = %q, %v; want lines with server=echo", b, err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	if err := supervisor.Stop(ctx, dir); err != nil {
		t.Fatalf("Stop() = %v", err)
	}
	t.Logf("Stop took %s", time.Since(start))
	if rec.Alive() {
		t.Errorf("supervisor pid %d still runs after Stop", rec.PID)
	}
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Errorf("after Stop, %s accepts connections", addr)
	}
	for _, f := range []string{supervisor.RecordFile, endpoints.FileName} {
		if _, err := os.Stat(filepath.Join(dir, f)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("after Stop, %s: %v, want it removed by the supervisor", f, err)
		}
	}
	if err := supervisor.Stop(ctx, dir); !errors.Is(err, supervisor.ErrNoSupervisor) {
		t.Errorf("second Stop() = %v, want ErrNoSupervisor", err)
	}
}

// TestSpawnReportsFailure: a supervisor that cannot bring its servers up
// reports why, and leaves no record.
func TestSpawnReportsFailure(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "proj")
	err := spawn(t, "image", dir, "proj")
	if err == nil || !strings.Contains(err.Error(), "server app runs the image example/app:1") {
		t.Fatalf("Spawn() = %v, want the refusal of server app", err)
	}
	if _, err := supervisor.ReadRecord(dir); !errors.Is(err, supervisor.ErrNoSupervisor) {
		t.Errorf("after the failure, ReadRecord() = %v, want ErrNoSupervisor", err)
	}
}

// TestSpawnCrash: a supervisor that dies without a report is an error that
// quotes its log.
func TestSpawnCrash(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "proj")
	err := spawn(t, "crash", dir, "proj")
	if err == nil || !strings.Contains(err.Error(), "exited before it was ready") || !strings.Contains(err.Error(), "crashing on purpose") {
		t.Fatalf("Spawn() = %v, want an early exit with the log", err)
	}
}

// TestSupervisorStopsWhenStateIsGone: removing the state directory ends
// the supervisor (nobody could take it down otherwise).
func TestSupervisorStopsWhenStateIsGone(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "proj")
	if err := spawn(t, "serve", dir, "proj"); err != nil {
		t.Fatalf("Spawn() = %v", err)
	}
	rec, err := supervisor.ReadRecord(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(rec.PID, syscall.SIGKILL) })
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for rec.Alive() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if rec.Alive() {
		t.Errorf("supervisor pid %d still runs 10s after its state directory was removed", rec.PID)
	}
}

// TestScanAndDeadRecords: Scan finds records and tells dead ones.
func TestScanAndDeadRecords(t *testing.T) {
	base := t.TempDir()
	self := owner.Self()
	dead := owner.Owner{Host: self.Host, PID: self.PID, Start: self.Start + 1} // this pid, another start time
	for name, o := range map[string]owner.Owner{"live": self, "dead": dead} {
		dir := filepath.Join(base, name)
		os.MkdirAll(dir, 0o700)
		if err := supervisor.WriteRecord(dir, &supervisor.Record{Project: name, PID: o.PID, Owner: o.String()}); err != nil {
			t.Fatal(err)
		}
	}
	os.MkdirAll(filepath.Join(base, "norecord"), 0o700)
	entries, err := supervisor.Scan(base)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, e := range entries {
		got[e.Record.Project] = e.Alive
	}
	if len(got) != 2 || !got["live"] || got["dead"] {
		t.Errorf("Scan() alive = %v, want live:true dead:false and nothing else", got)
	}
	if entries, err := supervisor.Scan(filepath.Join(base, "missing")); err != nil || len(entries) != 0 {
		t.Errorf("Scan(missing) = %v, %v; want nothing", entries, err)
	}
}

func echo(t *testing.T, addr string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial echo %s: %v", addr, err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	io.WriteString(c, "hi\n")
	if line, _ := bufio.NewReader(c).ReadString('\n'); line != "hi\n" {
		t.Errorf("echo = %q, want hi", line)
	}
}
