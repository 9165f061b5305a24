package httpd

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"testing"
)

// BenchmarkKeepAliveGet measures GET /files/hello.txt over one keep-alive
// loopback connection, client and server in this process. Run it with
// -cpu 1 for the one-core figure.
//
// "client=net/http" uses an http.Client; "client=raw" writes the request
// bytes itself and parses the response with http.ReadResponse, so more of
// the CPU goes to the server. Besides req/s (wall clock) each reports
// req/cpu-s, requests per second of CPU used by the whole process (client
// included), which holds steady on a busy machine where wall time does not.
func BenchmarkKeepAliveGet(b *testing.B) {
	ts := startServer(b, Options{})
	const path = "/files/hello.txt"

	b.Run("client=net/http", func(b *testing.B) {
		req, err := http.NewRequest("GET", ts.url+path, nil)
		if err != nil {
			b.Fatal(err)
		}
		measure(b, func() {
			resp, err := ts.client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, resp.Body); err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("status = %d", resp.StatusCode)
			}
		})
	})

	b.Run("client=raw", func(b *testing.B) {
		c, err := net.Dial("tcp", ts.url[len("http://"):])
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		r := bufio.NewReader(c)
		raw := []byte("GET " + path + " HTTP/1.1\r\nHost: bench\r\n\r\n")
		measure(b, func() {
			if _, err := c.Write(raw); err != nil {
				b.Fatal(err)
			}
			resp, err := http.ReadResponse(r, nil)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, resp.Body); err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 || resp.Close {
				b.Fatalf("status = %d, close = %v; want 200 keep-alive", resp.StatusCode, resp.Close)
			}
		})
	})
}

// measure runs one request per iteration and reports req/s and req/cpu-s.
func measure(b *testing.B, request func()) {
	b.ReportAllocs()
	cpu0, cpuOK := processCPU()
	for b.Loop() {
		request()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	if cpu1, ok := processCPU(); cpuOK && ok && cpu1 > cpu0 {
		b.ReportMetric(float64(b.N)/(cpu1-cpu0).Seconds(), "req/cpu-s")
	}
}
