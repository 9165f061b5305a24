package netpolicy

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

// Without a Logger, logging costs no allocation: no logger is made and no
// argument is boxed.
func TestNilLoggerAllocatesNothing(t *testing.T) {
	p := &Policy{}
	if n := testing.AllocsPerRun(100, func() { p.logDial("web:80", "172.30.0.2:80") }); n != 0 {
		t.Errorf("logDial() without a Logger = %v allocations, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { p.logRefused("example.com", 80, "not a testbed name") }); n != 0 {
		t.Errorf("logRefused() without a Logger = %v allocations, want 0", n)
	}
}

// With a Logger, refusals are logged at Info and dials at Debug.
func TestLoggerLines(t *testing.T) {
	var buf bytes.Buffer
	target := listen(t)
	p := &Policy{
		Map:    map[string]string{"web:80": target},
		Logger: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if _, err := p.DialContext(context.Background(), "tcp", "example.com:80"); !errors.Is(err, ErrForbidden) {
		t.Fatalf("DialContext(example.com:80) = %v, want ErrForbidden", err)
	}
	c, err := p.DialContext(context.Background(), "tcp", "web:80")
	if err != nil {
		t.Fatalf("DialContext(web:80) = %v", err)
	}
	c.Close()
	out := buf.String()
	for _, want := range []string{
		`level=INFO msg="destination refused" host=example.com port=80 reason="not a testbed name"`,
		`level=DEBUG msg=dial destination=web:80 address=` + target,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log = %q, want a line with %q", out, want)
		}
	}
}
