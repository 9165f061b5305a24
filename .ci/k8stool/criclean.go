package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// criCleanCmd stops and removes every pod sandbox (and so every container)
// of the CRI runtime at SOCKET. Stopping a sandbox runs the CNI DEL, which
// removes its veth and releases its address, and removes its network
// namespace; .ci/k8s down calls this once the kubelet is gone and before it
// stops containerd, so no veth, netns or IP lease of the cluster is left.
func criCleanCmd(args []string) error {
	fs := flag.NewFlagSet("cri-clean", flag.ExitOnError)
	socket := fs.String("socket", "", "CRI socket path")
	timeout := fs.Duration("timeout", 60*time.Second, "overall deadline")
	_ = fs.Parse(args)
	if *socket == "" {
		return errors.New("-socket is required")
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	conn, err := grpc.NewClient("unix://"+*socket, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	rt := runtimeapi.NewRuntimeServiceClient(conn)
	list, err := rt.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{})
	if err != nil {
		return fmt.Errorf("list sandboxes: %w", err)
	}
	var errs []error
	for _, sb := range list.Items {
		id := sb.Id
		what := fmt.Sprintf("%s/%s (%.12s)", sb.GetMetadata().GetNamespace(), sb.GetMetadata().GetName(), id)
		if _, err := rt.StopPodSandbox(ctx, &runtimeapi.StopPodSandboxRequest{PodSandboxId: id}); err != nil {
			errs = append(errs, fmt.Errorf("stop %s: %w", what, err))
			continue
		}
		if _, err := rt.RemovePodSandbox(ctx, &runtimeapi.RemovePodSandboxRequest{PodSandboxId: id}); err != nil {
			errs = append(errs, fmt.Errorf("remove %s: %w", what, err))
			continue
		}
		fmt.Printf("removed pod sandbox %s\n", what)
	}
	return errors.Join(errs...)
}
