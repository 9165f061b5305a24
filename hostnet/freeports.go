package hostnet

import (
	"errors"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
)

// FreePorts returns n distinct ports free on 127.0.0.1 now, for ports that
// must be published with host port = container port (FTP passive ports).
//
// They are drawn at random from below the kernel's ephemeral range, where
// neither the engine (which picks published ports from that range) nor
// outgoing connections take ports, so a port chosen here is not handed to
// someone else between now and the container's start; the random draw keeps
// projects started at the same moment apart. Each is checked by listening on
// it, all held together, then released for the engine.
func FreePorts(n int) ([]int, error) {
	lo, hi := freeRange()
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	out := make([]int, 0, n)
	for tries := 0; len(out) < n; tries++ {
		if tries > 50*n {
			return nil, errors.New("find free ports: none free below the ephemeral range")
		}
		port := lo + rand.IntN(hi-lo)
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue
		}
		ls = append(ls, l)
		out = append(out, port)
	}
	return out, nil
}

// freeRange is [lo, hi): the 12,000 ports below the ephemeral range (or
// above it, when it starts low).
func freeRange() (lo, hi int) {
	start, end := 32768, 60999
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		f := strings.Fields(string(b))
		if len(f) == 2 {
			if s, err := strconv.Atoi(f[0]); err == nil {
				start = s
			}
			if e, err := strconv.Atoi(f[1]); err == nil {
				end = e
			}
		}
	}
	if start-12000 >= 1024 {
		return start - 12000, start
	}
	if end < 65535-1000 {
		return end + 1, 65536
	}
	return 1024, start // a machine that gave everything to the ephemeral range
}
