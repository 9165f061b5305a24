// Command trimmer drops its clean executable pages, then runs code and
// reads data again: it must live through that, however it was linked.
package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/testbed-dev/testbed/internal/trim"
)

var table = map[string]int{"one": 1, "two": 2, "three": 3}

func main() {
	trim.ExecutablePages()
	var b strings.Builder
	for _, k := range []string{"one", "two", "three"} {
		fmt.Fprintf(&b, "%s=%d ", k, table[k])
	}
	fmt.Fprintln(os.Stdout, strings.TrimSpace(b.String()))
}
