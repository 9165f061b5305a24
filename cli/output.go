package cli

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/testbed-dev/testbed/endpoints"
)

// printEndpoints prints m as a table for people, or JSON.
func (a *app) printEndpoints(m *endpoints.Manifest, asJSON bool) error {
	if asJSON {
		return a.printJSON(m)
	}
	tw := tabwriter.NewWriter(a.io.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVER\tHOSTNAME\tPORT\tADDRESS")
	for _, name := range m.Names() {
		s := m.Servers[name]
		keys := endpoints.PortKeys(s.Ports)
		if len(keys) == 0 {
			fmt.Fprintf(tw, "%s\t%s\t-\t-\n", name, s.Hostname)
		}
		for i, k := range keys {
			n, h := name, s.Hostname
			if i > 0 {
				n, h = "", ""
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", n, h, k, s.Ports[k])
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(a.io.Out, "\nproject %s (driver %s, domain %s)\n", m.Project, m.Driver, m.Domain)
	if m.CAFile != "" {
		fmt.Fprintf(a.io.Out, "CA: %s\n", m.CAFile)
	}
	return nil
}

func (a *app) printJSON(v any) error {
	enc := json.NewEncoder(a.io.Out)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false) // "->", "<none>" as they are
	return enc.Encode(v)
}
