package cli

import "testing"

func TestReadableDropsEngineCalls(t *testing.T) {
	msg := `server ftp: start: start container p.ftp: error during connect: Post "http://%2Fvar%2Frun%2Fdocker.sock/v1.41/containers/785f/start": interrupted (SIGINT, Ctrl-C)`
	want := `server ftp: start: start container p.ftp: interrupted (SIGINT, Ctrl-C)`
	if got := (&app{}).readable(msg); got != want {
		t.Errorf("readable() = %q, want %q", got, want)
	}
	v := &app{g: globals{verbose: true}}
	if got := v.readable(msg); got != msg {
		t.Errorf("readable() with --verbose = %q, want the message whole", got)
	}
}
