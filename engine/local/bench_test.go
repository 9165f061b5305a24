package local_test

import (
	"testing"
	"time"

	"github.com/testbed-dev/testbed/catalog"
	"github.com/testbed-dev/testbed/spec"
)

// BenchmarkUpDown brings the default testbed up and down on the local
// engine directly (the library's BenchmarkLocalUpDown includes the rest).
func BenchmarkUpDown(b *testing.B) { benchUpDown(b, catalog.New().Default()) }

// BenchmarkUpDownNoFTP is the default testbed without ftp, whose start
// lays out an 11 MiB file tree.
func BenchmarkUpDownNoFTP(b *testing.B) {
	tb := catalog.New().Default()
	var keep []*spec.Server
	for _, s := range tb.Servers {
		if s.Name != "ftp" {
			keep = append(keep, s)
		}
	}
	tb.Servers = keep
	benchUpDown(b, tb)
}

// benchUpDown brings tb up and down once per round and reports the times.
func benchUpDown(b *testing.B, tb *spec.Testbed) {
	var up, down time.Duration
	for b.Loop() {
		start := time.Now()
		r, err := upNoCleanup(b, tb)
		if err != nil {
			b.Fatal(err)
		}
		up += time.Since(start)
		start = time.Now()
		r.down(b)
		down += time.Since(start)
	}
	b.ReportMetric(float64(up.Microseconds())/float64(b.N)/1000, "ms-ready/op")
	b.ReportMetric(float64(down.Microseconds())/float64(b.N)/1000, "ms-down/op")
}
