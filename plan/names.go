package plan

import (
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Names of resources. A project name is [a-z0-9][a-z0-9_-]*, a server name a
// DNS label and a spec's volume name starts with a letter or digit, so the
// '.' after the project (and the '_' that starts testbed's own volume
// names) can never come from a name: the names of two projects are never
// equal (project "a" server "x-web" is "a.x-web", project "a-x" server
// "web" is "a-x.web"). Ownership is still decided by labels, never by names.

// ContainerName is the container of a project's server: "<project>.<server>".
func ContainerName(project, server string) string { return project + "." + server }

// NetworkName is the project's network: the project name.
func NetworkName(project string) string { return project }

// VolumeName is a spec's named volume in a project: "<project>.<name>".
func VolumeName(project, name string) string { return project + "." + name }

// KeptVolume is the volume that marks a project left up on purpose:
// "<project>._kept" (no spec volume name starts with '_').
func KeptVolume(project string) string { return project + "._kept" }

// WithDataPorts returns a copy of the step that publishes these data
// ports (FTP passive; host port = container port) and tells its server
// about them. A driver calls it with the ports it picked at start, so the
// plan itself stays as planned.
func (s *Step) WithDataPorts(ports []int) *Step {
	c := *s
	c.Ports = slices.Clone(s.Ports)
	for _, n := range ports {
		c.Ports = append(c.Ports, Binding{Port: n, Proto: "tcp", HostIP: LocalHost, HostPort: n, Data: true})
	}
	c.Options = maps.Clone(s.Options)
	if c.Options == nil {
		c.Options = map[string]string{}
	}
	value := joinInts(ports)
	c.Options["pasv-ports"] = value
	c.Command = slices.Clone(s.Command)
	at := min(2, len(c.Command)) // after "serve KIND"
	c.Command = slices.Insert(c.Command, at, "--set", "pasv-ports="+value)
	c.DataPorts = 0
	return &c
}

// DataPortList is the host ports of the step's data bindings, "a,b,c".
func (s *Step) DataPortList() string {
	var out []string
	for _, b := range s.Ports {
		if b.Data {
			out = append(out, strconv.Itoa(b.HostPort))
		}
	}
	return strings.Join(out, ",")
}
