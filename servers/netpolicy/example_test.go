package netpolicy_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"github.com/testbed-dev/testbed/servers/netpolicy"
)

func ExamplePolicy_Check() {
	p := &netpolicy.Policy{
		Domain: "testbed.test",
		Names:  []string{"web"},
		Nets:   []netip.Prefix{netip.MustParsePrefix("172.18.0.0/16")},
		Map:    map[string]string{"web:80": "127.0.0.1:49153"},
	}
	ctx := context.Background()
	for _, dest := range []struct {
		host string
		port int
	}{{"web.testbed.test", 80}, {"172.18.0.5", 21}, {"example.com", 80}, {"10.0.0.1", 80}} {
		addr, err := p.Check(ctx, dest.host, dest.port)
		fmt.Printf("%s:%d -> %q forbidden=%v\n", dest.host, dest.port, addr, errors.Is(err, netpolicy.ErrForbidden))
	}
	// Output:
	// web.testbed.test:80 -> "127.0.0.1:49153" forbidden=false
	// 172.18.0.5:21 -> "172.18.0.5:21" forbidden=false
	// example.com:80 -> "" forbidden=true
	// 10.0.0.1:80 -> "" forbidden=true
}
