package probe

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestExec(t *testing.T) {
	tests := []struct {
		name      string
		srv       *fakeServer
		want      string
		permanent bool
	}{
		{"exit 0", &fakeServer{exitCode: 0, output: "accepting connections\n"}, "", false},
		{"exit 2, last line", &fakeServer{exitCode: 2, output: "checking\nno response\n\n"}, "exit code 2: no response", false},
		{"exit 1, no output", &fakeServer{exitCode: 1}, "exit code 1, no output", false},
		{"exit 1, odd output", &fakeServer{exitCode: 1, output: "bad \x00 byte"}, `exit code 1: "bad \x00 byte"`, false},
		{"exec fails", &fakeServer{execErr: errors.New("container is restarting")}, "exec pg_isready: container is restarting", false},
	}
	argv := []string{"pg_isready", "-U", "postgres"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := (&Exec{Command: argv}).Check(context.Background(), tt.srv)
			checkErr(t, "Check()", err, tt.want)
			if got := isPermanent(err); got != tt.permanent {
				t.Errorf("permanent = %v, want %v", got, tt.permanent)
			}
			if !slices.Equal(tt.srv.argv, argv) {
				t.Errorf("Exec got argv %q, want %q", tt.srv.argv, argv)
			}
		})
	}
}

func TestLog(t *testing.T) {
	out := "starting up\nready to accept connections\nlistening on 5432\n"
	tests := []struct {
		name    string
		logs    string
		pattern string
		want    string
	}{
		{"line start", out, "^ready to accept", ""},
		{"line end", out, "connections$", ""},
		{"anywhere", out, "5432", ""},
		{"not at line start", out, "^accept", `no match in 58 bytes of output; last line: listening on 5432`},
		{"no output", "", "^ready", "no output yet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Log{Pattern: regexp.MustCompile(multiLine + tt.pattern)}
			err := p.Check(context.Background(), &fakeServer{logs: tt.logs})
			checkErr(t, "Check()", err, tt.want)
		})
	}
	err := (&Log{Pattern: regexp.MustCompile("x")}).Check(context.Background(), &fakeServer{logsErr: errors.New("no such container")})
	checkErr(t, "Check(logs fail)", err, "logs: no such container")
}

func TestHealth(t *testing.T) {
	tests := []struct {
		status    string
		want      string
		permanent bool
	}{
		{"healthy", "", false},
		{"unhealthy", "the container is unhealthy", false},
		{"starting", "the healthcheck is starting", false},
		{"none", "the container has no healthcheck", true},
		{"", "the container has no healthcheck", true},
		{"puzzled", `unknown health status "puzzled"`, false},
	}
	for _, tt := range tests {
		t.Run(tt.status, func(t *testing.T) {
			err := Health{}.Check(context.Background(), &fakeServer{health: tt.status})
			checkErr(t, "Check()", err, tt.want)
			if got := isPermanent(err); got != tt.permanent {
				t.Errorf("permanent = %v, want %v", got, tt.permanent)
			}
		})
	}
}

func TestExited(t *testing.T) {
	tests := []struct {
		name      string
		srv       *fakeServer
		want      string
		permanent bool
	}{
		{"running", &fakeServer{}, "still running", false},
		{"exited 0", &fakeServer{exited: true}, "", false},
		{"exited 3", &fakeServer{exited: true, code: 3}, "exited with status 3", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Exited{}.Check(context.Background(), tt.srv)
			checkErr(t, "Check()", err, tt.want)
			if got := isPermanent(err); got != tt.permanent {
				t.Errorf("permanent = %v, want %v", got, tt.permanent)
			}
		})
	}
}

func TestUnsupported(t *testing.T) {
	plain := addrs{}
	for _, p := range []Probe{
		&Exec{Command: []string{"true"}},
		&Log{Pattern: regexp.MustCompile("x")},
		Health{},
		Exited{},
	} {
		t.Run(p.String(), func(t *testing.T) {
			err := p.Check(context.Background(), plain)
			if !errors.Is(err, ErrUnsupported) || !errors.Is(err, ErrPermanent) {
				t.Fatalf("Check() = %v, want ErrUnsupported and ErrPermanent", err)
			}
			if !strings.Contains(err.Error(), "target probe.addrs cannot ") {
				t.Errorf("Check() = %q, want it to name the target's type", err)
			}
		})
	}
}
