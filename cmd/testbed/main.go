// Command testbed brings up throwaway network servers for integration tests,
// waits until every one answers, prints their addresses, and removes them.
// See `testbed --help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/testbed-dev/testbed/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], cli.IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr})
	stop()
	os.Exit(code)
}
