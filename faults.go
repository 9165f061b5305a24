package testbed

import (
	"strconv"

	"github.com/testbed-dev/testbed/servers/faults/faultapi"
)

// Faults returns a client of the control API of a server of the faults
// kind: its methods change the fault of one of that server's ports (the
// relay on 8000 unless [faultapi.Client.Port] picks another) while the test
// runs, and a failed call fails the test.
//
//	bed := testbed.Start(t, testbed.WithServers("http", "faults"))
//	bed.Faults("faults").Latency(200 * time.Millisecond) // 8000 now slow
//	...
//	bed.Faults("faults").Clear()
func (b *Bed) Faults(server string) *faultapi.Client {
	addr := b.Addr(server, strconv.Itoa(faultapi.ControlPort))
	return faultapi.NewClient(addr, func(err error) { b.fatalf("testbed: %s: %v", server, err) })
}
