package ftpd

import (
	"io"
	"testing"

	"github.com/jlaffaye/ftp"
)

// benchmarkRETR downloads /pub/10MiB.bin over loopback once per iteration.
func benchmarkRETR(b *testing.B, opts Options, dialOpts ...ftp.DialOption) {
	_, addr := startServer(b, opts)
	c := dial(b, addr, "anonymous", "x", dialOpts...)
	buf := make([]byte, 256<<10)
	b.SetBytes(10 << 20)
	b.ResetTimer()
	for b.Loop() {
		r, err := c.Retr("/pub/10MiB.bin")
		if err != nil {
			b.Fatal(err)
		}
		n, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{r}, buf)
		if err != nil || n != 10<<20 {
			b.Fatalf("RETR = %d bytes, %v", n, err)
		}
		if err := r.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRETR(b *testing.B) {
	benchmarkRETR(b, Options{Anonymous: true})
}

func BenchmarkRETRTLS(b *testing.B) {
	pki := newTestPKI(b)
	benchmarkRETR(b, Options{Anonymous: true, TLS: pki.server}, ftp.DialWithExplicitTLS(pki.client))
}
