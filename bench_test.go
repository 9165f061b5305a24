package testbed_test

import (
	"testing"
	"time"

	testbed "github.com/testbed-dev/testbed"
	"github.com/testbed-dev/testbed/internal/testenv"
)

// BenchmarkLocalUpDown: the default testbed through the library on the
// local driver; ms-ready is Start until every server answers, ms-down is
// Close until every port is closed.
func BenchmarkLocalUpDown(b *testing.B) {
	benchUpDown(b, testbed.WithDriver("local"))
}

// BenchmarkDockerStart: the default testbed through the library on the
// docker driver, images warm (built before the timer).
func BenchmarkDockerStart(b *testing.B) {
	testenv.Engine(b)
	warm := testbed.Start(b, testbed.WithDriver("docker"))
	warm.Close()
	benchUpDown(b, testbed.WithDriver("docker"))
}

func benchUpDown(b *testing.B, opts ...testbed.Option) {
	opts = append(opts, testbed.WithLogf(func(string, ...any) {}))
	var up, down time.Duration
	for b.Loop() {
		start := time.Now()
		bed := testbed.Start(b, opts...)
		up += time.Since(start)
		start = time.Now()
		if err := bed.Close(); err != nil {
			b.Fatal(err)
		}
		down += time.Since(start)
	}
	b.ReportMetric(float64(up.Microseconds())/1000/float64(b.N), "ms-ready/op")
	b.ReportMetric(float64(down.Microseconds())/1000/float64(b.N), "ms-down/op")
}
