package probe_test

import (
	"fmt"

	"github.com/testbed-dev/testbed/probe"
	"github.com/testbed-dev/testbed/spec"
)

func ExampleFromSpec() {
	p, err := probe.FromSpec(&spec.Probe{All: []*spec.Probe{
		{HTTP: &spec.HTTPProbe{Port: 8080, Path: "/healthz", Status: 200}},
		{Banner: &spec.BannerProbe{Port: 21, Expect: "^220 "}},
	}}, nil)
	fmt.Println(p, err)

	_, err = probe.FromSpec(&spec.Probe{TCP: &spec.TCPProbe{Port: 70000}}, nil)
	fmt.Println(err)
	// Output:
	// all(http GET /healthz on 8080 = 200, banner ^220  on 21) <nil>
	// probe: field "tcp.port": port 70000 out of range 1-65535
}
