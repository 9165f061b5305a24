// Command testbed brings up throwaway network servers for integration tests,
// waits until every one answers, prints their addresses, and removes them.
// See `testbed --help`.
package main

import (
	"context"
	"os"

	"github.com/testbed-dev/testbed/cli"
)

func main() {
	ctx, stop := cli.SignalContext(context.Background(), os.Stderr)
	code := cli.Main(ctx, os.Args[1:], cli.IO{In: os.Stdin, Out: os.Stdout, Err: os.Stderr}, drivers()...)
	stop()
	os.Exit(code)
}
