package testbed_test

import (
	"context"
	"io"
	"net"
	"slices"
	"testing"
	"time"

	testbed "github.com/testbed-dev/testbed"
	"github.com/testbed-dev/testbed/internal/testenv"
	"github.com/testbed-dev/testbed/project"
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

// BenchmarkDockerStartPublish: as BenchmarkDockerStart, with the engine
// publishing the ports (one userland proxy per port) instead of this
// process forwarding them.
func BenchmarkDockerStartPublish(b *testing.B) {
	testenv.Engine(b)
	warm := testbed.Start(b, testbed.WithDriver("docker"), testbed.WithPublish())
	warm.Close()
	benchUpDown(b, testbed.WithDriver("docker"), testbed.WithPublish())
}

// BenchmarkPortPath: one echo server's ports through testbed's forwarder
// and through the engine's userland proxy: round trips of 64 bytes on
// 7/tcp (latency) and 64 MiB written to the discard port 9/tcp and then
// closed (throughput, MB/s).
func BenchmarkPortPath(b *testing.B) {
	testenv.Engine(b)
	for _, path := range []string{"forwarder", "engine-proxy"} {
		opts := []testbed.Option{testbed.WithDriver("docker"), testbed.WithServers("echo"), testbed.WithLogf(func(string, ...any) {})}
		if path == "engine-proxy" {
			opts = append(opts, testbed.WithPublish())
		}
		bed := testbed.Start(b, opts...)
		b.Run(path+"/rtt", func(b *testing.B) {
			c, err := net.Dial("tcp", bed.Addr("echo", "7/tcp"))
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			msg, buf := make([]byte, 64), make([]byte, 64)
			for b.Loop() {
				if _, err := c.Write(msg); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(c, buf); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(path+"/throughput", func(b *testing.B) {
			chunk := make([]byte, 1<<20)
			b.SetBytes(64 << 20)
			for b.Loop() {
				c, err := net.Dial("tcp", bed.Addr("echo", "9/tcp"))
				if err != nil {
					b.Fatal(err)
				}
				for range 64 {
					if _, err := c.Write(chunk); err != nil {
						b.Fatal(err)
					}
				}
				c.Close()
			}
		})
		bed.Close()
	}
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

// BenchmarkStartReuse: Start with WithReuse on a warm default testbed, per
// call (lease, reset of every server to its seed, endpoints, release):
// median-ms and worst-ms over the calls. The reusable project is taken
// down at the end.
func BenchmarkStartReuse(b *testing.B) {
	for _, driver := range []string{"local", "docker"} {
		b.Run(driver, func(b *testing.B) {
			if driver == "docker" {
				testenv.Engine(b)
			}
			opts := []testbed.Option{testbed.WithDriver(driver), testbed.WithReuse(), testbed.WithLogf(func(string, ...any) {})}
			warm, err := testbed.New(context.Background(), opts...)
			if err != nil {
				b.Fatal(err)
			}
			name := warm.Project()
			warm.Close()
			b.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
				defer cancel()
				c, err := project.Open(ctx, project.Options{Driver: driver})
				if err != nil {
					b.Error(err)
					return
				}
				defer c.Close()
				if err := c.Down(ctx, name, project.DownOptions{}); err != nil {
					b.Error(err)
				}
			})
			var took []time.Duration
			for b.Loop() {
				began := time.Now()
				bed, err := testbed.New(context.Background(), opts...)
				if err != nil {
					b.Fatal(err)
				}
				took = append(took, time.Since(began))
				if bed.Project() != name {
					b.Fatalf("reused %s, want %s", bed.Project(), name)
				}
				bed.Close()
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "median-ms")
			b.ReportMetric(float64(took[len(took)-1].Microseconds())/1000, "worst-ms")
		})
	}
}
