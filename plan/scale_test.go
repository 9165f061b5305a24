package plan

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/testbed-dev/testbed/catalog"
	"github.com/testbed-dev/testbed/spec"
)

// manyServers is a valid testbed of n servers: built-in proxies (whose
// allow-lists grew with n before) and image servers with an alias each.
func manyServers(n int) *spec.Testbed {
	tb := &spec.Testbed{Name: "scale"}
	for i := range n {
		s := &spec.Server{Name: fmt.Sprintf("s%d", i), Aliases: []string{fmt.Sprintf("a%d.example.test", i)}}
		if i%2 == 0 {
			s.Builtin = "proxy"
		} else {
			s.Image = "example/app:1"
			s.Ports = []spec.Port{{Port: 8080}}
		}
		if i > 0 {
			s.DependsOn = []spec.Dependency{{Name: "s0"}}
		}
		tb.Servers = append(tb.Servers, s)
	}
	return tb
}

// BenchmarkPlan plans (and prints, as `config` does) 10 to 10000 servers;
// time and allocated bytes per server stay flat when planning is linear.
func BenchmarkPlan(b *testing.B) {
	cat := catalog.New()
	for _, n := range []int{10, 100, 1000, 10000} {
		tb := manyServers(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p, err := New(tb, cat, Options{Project: "scale", Container: true})
				if err != nil {
					b.Fatal(err)
				}
				_ = p.String()
			}
		})
	}
}

// TestPlanMemoryBound: planning 10000 servers allocates less than 128 MiB
// (about 13 KiB a server; it takes about 9); with an allow-list of every server on each
// built-in server it took gigabytes.
func TestPlanMemoryBound(t *testing.T) {
	tb := manyServers(10000)
	cat := catalog.New()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	p, err := New(tb, cat, Options{Project: "scale", Container: true})
	if err != nil {
		t.Fatal(err)
	}
	_ = p.String()
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("10000 servers: %d MiB allocated in %v", alloc>>20, time.Since(start))
	if alloc > 128<<20 {
		t.Errorf("planning 10000 servers allocated %d MiB, want under 128 MiB", alloc>>20)
	}
}
