package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
)

// registryCmd serves an OCI distribution registry (go-containerregistry's)
// on a loopback address, blobs on disk under -dir: the registry the
// cluster's node pulls testbed's built-in image from (containerd pulls
// from a localhost registry over plain HTTP).
func registryCmd(args []string) error {
	fs := flag.NewFlagSet("registry", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:15000", "listen address (loopback only)")
	dir := fs.String("dir", "", "directory for blobs (required)")
	fs.Parse(args)
	if *dir == "" {
		return errors.New("-dir is required")
	}
	host, _, err := net.SplitHostPort(*addr)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("-addr %s: want a loopback address", *addr)
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		return err
	}
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	logger := log.New(os.Stderr, "registry: ", log.LstdFlags)
	srv := &http.Server{
		Handler:           registry.New(registry.WithBlobHandler(registry.NewDiskBlobHandler(*dir)), registry.Logger(logger)),
		ReadHeaderTimeout: 10 * time.Second,
	}
	fmt.Fprintf(os.Stderr, "registry: serving on %s, blobs in %s\n", l.Addr(), strings.TrimSuffix(*dir, "/"))
	return srv.Serve(l)
}
