package docker

import (
	"github.com/moby/moby/api/types/container"

	"github.com/testbed-dev/testbed/plan"
)

// Default limits of a built-in server's container. Measured: a built-in
// server idles at 6-9 MiB RSS, http after many requests ~11 MiB, and ftp
// holds an 11 MiB tree in its /tmp (a tmpfs, whose files count against
// the memory limit, as uploads to http, ftp and sftp do); each runs one
// process with a few dozen threads. The defaults leave ample headroom and
// still keep a runaway server from taking the host.
const (
	BuiltinMemory = 256 << 20 // bytes
	BuiltinPids   = 256
)

// limits sets the container's resource limits: for a built-in server the
// defaults above, each replaced by the spec's resources field when it
// sets one (memory, pids; cpus has no default); for any other server
// only what the spec sets. Swap is held to the memory limit.
func limits(host *container.HostConfig, st *plan.Step) {
	var r container.Resources
	if st.Hardened {
		r.Memory, r.PidsLimit = BuiltinMemory, ptr(int64(BuiltinPids))
	}
	if sr := st.Server.Resources; sr != nil {
		if sr.Memory > 0 {
			r.Memory = sr.Memory
		}
		if sr.Pids > 0 {
			r.PidsLimit = ptr(sr.Pids)
		}
		if sr.NanoCPUs > 0 {
			r.NanoCPUs = sr.NanoCPUs
		}
	}
	if r.Memory > 0 {
		r.MemorySwap = r.Memory
	}
	host.Memory, host.MemorySwap, host.PidsLimit, host.NanoCPUs = r.Memory, r.MemorySwap, r.PidsLimit, r.NanoCPUs
}

func ptr[T any](v T) *T { return &v }
