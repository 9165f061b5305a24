package catalog

import (
	"context"
	"log/slog"
	"strings"
	"testing"
)

func TestFaultsKindRefusesBadOptions(t *testing.T) {
	k, _ := New().Kind("faults")
	for name, value := range map[string]string{"latency": "soon", "bandwidth": "0", "slice": "-1", "connect-timeout": "2h"} {
		opts, err := k.ResolveOptions(map[string]string{name: value})
		if err != nil {
			t.Fatal(err)
		}
		ls, _, err := k.Listen("127.0.0.1", zeroPorts(k))
		if err != nil {
			t.Fatal(err)
		}
		err = k.Run(context.Background(), Env{Listeners: ls, Options: opts, Logger: slog.New(slog.DiscardHandler)})
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("Run with %s=%s = %v, want an error naming the option", name, value, err)
		}
		for _, l := range ls {
			l.Close()
		}
	}
}

func zeroPorts(k *Kind) map[string]int {
	out := map[string]int{}
	for _, p := range k.Ports {
		out[p.Key()] = 0
	}
	return out
}
