package catalog

import (
	"fmt"
	"net"
	"strconv"
)

// Listen binds every port of the kind on host ("" = every interface).
// override maps a port key ("80/tcp") to the port to bind instead (0 = any
// free port). On error nothing stays bound.
func (k *Kind) Listen(host string, override map[string]int) (map[string]net.Listener, map[string]net.PacketConn, error) {
	ls := map[string]net.Listener{}
	pcs := map[string]net.PacketConn{}
	closeAll := func() {
		for _, l := range ls {
			l.Close()
		}
		for _, pc := range pcs {
			pc.Close()
		}
	}
	for _, p := range k.Ports {
		port := p.Port
		if o, ok := override[p.Key()]; ok {
			port = o
		}
		addr := net.JoinHostPort(host, strconv.Itoa(port))
		switch p.Proto {
		case "udp":
			pc, err := net.ListenPacket("udp", addr)
			if err != nil {
				closeAll()
				return nil, nil, fmt.Errorf("%s %s: %w", k.Name, p.Key(), err)
			}
			pcs[p.Key()] = pc
		default:
			l, err := net.Listen("tcp", addr)
			if err != nil {
				closeAll()
				return nil, nil, fmt.Errorf("%s %s: %w", k.Name, p.Key(), err)
			}
			ls[p.Key()] = l
		}
	}
	return ls, pcs, nil
}
