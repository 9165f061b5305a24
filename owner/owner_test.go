package owner

import (
	"errors"
	"os"
	"os/exec"
	"testing"
)

func TestSelfRoundTrip(t *testing.T) {
	o := Self()
	if o.Start == 0 {
		t.Fatalf("Self().Start = 0, want the process start time")
	}
	got, err := Parse(o.String())
	if err != nil || got != o {
		t.Fatalf("Parse(%q) = %v, %v, want %v", o.String(), got, err, o)
	}
	if alive, local := o.Alive(); !alive || !local {
		t.Fatalf("Self().Alive() = %v, %v, want true, true", alive, local)
	}
}

func TestDeadAndReused(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	dead := Owner{Host: host, PID: cmd.Process.Pid, Start: 1}
	if alive, _ := dead.Alive(); alive {
		t.Errorf("Alive() of an exited process = true, want false")
	}
	reused := Self()
	reused.Start++ // same pid, another start time: not the owner
	if alive, _ := reused.Alive(); alive {
		t.Errorf("Alive() with a different start time = true, want false")
	}
	remote := Owner{Host: host + "-elsewhere", PID: 1, Start: 1}
	if alive, local := remote.Alive(); !alive || local {
		t.Errorf("Alive() of a remote owner = %v, %v, want true, false", alive, local)
	}
}

func TestParseErrors(t *testing.T) {
	for _, s := range []string{"", "host", "host/1", "host/x/1", "host/1/y", "host/0/1", "host/-7/1"} {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) = nil error, want one", s)
		}
	}
}

// StartTime tells a pid that no process has (ErrNoProcess: the owner is
// dead) from one it cannot read; Alive counts only the first as dead.
func TestStartTimeOfNoProcess(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	if _, err := StartTime(cmd.Process.Pid); !errors.Is(err, ErrNoProcess) {
		t.Errorf("StartTime(exited pid) = %v, want ErrNoProcess", err)
	}
	if s, err := StartTime(os.Getpid()); err != nil || s == 0 {
		t.Errorf("StartTime(self) = %d, %v; want a start time", s, err)
	}
}
