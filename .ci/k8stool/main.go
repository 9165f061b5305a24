// Command k8stool is what .ci/k8s needs besides the Kubernetes binaries,
// in a module of its own so the project's go.mod stays free of it:
//
//	k8stool certs -dir DIR -node NAME -node-ip IP
//	    a CA and every certificate and key the single-node cluster uses
//	k8stool image -o TAR -ref REF -bin PATH [-arg ARG]...
//	    a FROM-scratch image (one static binary as /NAME, its entrypoint) as a
//	    docker-archive tarball that `ctr images import` reads; no docker, no
//	    registry
//	k8stool cri-clean -socket PATH [-timeout D]
//	    stop and remove every pod sandbox of a CRI runtime (the CNI teardown
//	    included), as `crictl rmp -fa` would; .ci/k8s down runs it after the
//	    kubelet has stopped
//	k8stool registry -addr 127.0.0.1:PORT -dir DIR
//	    an OCI registry on a loopback address (blobs under DIR), which the
//	    node pulls from over plain HTTP
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "certs":
		err = certsCmd(os.Args[2:])
	case "image":
		err = imageCmd(os.Args[2:])
	case "cri-clean":
		err = criCleanCmd(os.Args[2:])
	case "registry":
		err = registryCmd(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "k8stool %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: k8stool certs|image|cri-clean|registry [flags]")
	os.Exit(2)
}
