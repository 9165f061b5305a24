package netpolicy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
)

func TestClassify(t *testing.T) {
	opErr := func(errno syscall.Errno) error {
		return fmt.Errorf("proxy: %w", &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", errno)})
	}
	tests := []struct {
		name string
		err  error
		want Reason
	}{
		{"nil", nil, ReasonOther},
		{"eof", io.EOF, ReasonOther},
		{"forbidden", fmt.Errorf("x: %w", ErrForbidden), ReasonForbidden},
		{"refused", opErr(syscall.ECONNREFUSED), ReasonRefused},
		{"net unreachable", opErr(syscall.ENETUNREACH), ReasonNetUnreachable},
		{"host unreachable", opErr(syscall.EHOSTUNREACH), ReasonHostUnreachable},
		{"timed out", opErr(syscall.ETIMEDOUT), ReasonTimeout},
		{"no such host", &net.DNSError{Err: "no such host", Name: "x.test", IsNotFound: true}, ReasonHostUnreachable},
		{"dns timeout", &net.DNSError{Err: "timeout", Name: "x.test", IsTimeout: true}, ReasonTimeout},
		{"deadline", fmt.Errorf("dial: %w", context.DeadlineExceeded), ReasonTimeout},
		{"io timeout", &net.OpError{Op: "dial", Err: os.ErrDeadlineExceeded}, ReasonTimeout},
		{"canceled", context.Canceled, ReasonOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Classify(tt.err); got != tt.want {
				t.Errorf("Classify(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
	if got := Reason(99).String(); got != "unknown" {
		t.Errorf("Reason(99).String() = %q, want \"unknown\"", got)
	}
	if !errors.Is(fmt.Errorf("a: %w", ErrForbidden), ErrForbidden) {
		t.Fatal("wrapped ErrForbidden not recognised")
	}
}
