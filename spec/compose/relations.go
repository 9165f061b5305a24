package compose

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/testbed-dev/testbed/spec"
)

// relations maps what refers to other services: container_name (kept as an
// alias), links and external_links (aliases on the named server) and
// depends_on.
func (m *mapper) relations(tb *spec.Testbed) {
	byContainer := map[string]*spec.Server{}
	for _, s := range tb.Servers {
		svc := m.project.Services[s.Name]
		if svc.ContainerName == "" {
			continue
		}
		cn := strings.ToLower(svc.ContainerName)
		byContainer[cn] = s
		switch {
		case cn == s.Name:
			m.warnf(s.Name, "container_name", "container_name", "replaced by testbed's naming (<project>-<service>) so parallel runs never collide; the server is still reachable as %s", quote(cn))
		case spec.IsDNSName(cn) && tb.Server(cn) == nil:
			addAlias(s, cn)
			m.warnf(s.Name, "container_name", "container_name", "replaced by testbed's naming (<project>-<service>) so parallel runs never collide; %s stays reachable as a network alias", quote(cn))
		default:
			m.warnf(s.Name, "container_name", "container_name", "replaced by testbed's naming (<project>-<service>) so parallel runs never collide; %s is not a DNS name other servers could use", quote(svc.ContainerName))
		}
	}
	// find resolves a link's target: a service, or a service's container_name.
	find := func(name string) *spec.Server {
		if s := tb.Server(name); s != nil {
			return s
		}
		return byContainer[strings.ToLower(name)]
	}

	for _, s := range tb.Servers {
		svc := m.project.Services[s.Name]
		for i, l := range svc.Links {
			target, alias, _ := strings.Cut(l, ":")
			t := find(target)
			if t == nil {
				m.errorf(s.Name, "links", fmt.Sprintf("links[%d]", i), "no service %s in this project", quote(target))
				continue
			}
			m.linkAlias(tb, s.Name, "links", i, len(svc.Links), t, alias)
		}
		for i, l := range svc.ExternalLinks {
			target, alias, _ := strings.Cut(l, ":")
			t := find(target)
			if t == nil {
				m.errorf(s.Name, "external_links", fmt.Sprintf("external_links[%d]", i),
					"%s is neither a service nor a container_name of this project: testbed runs only the project's own servers", quote(target))
				continue
			}
			m.linkAlias(tb, s.Name, "external_links", i, len(svc.ExternalLinks), t, alias)
		}
		m.dependencies(tb, s, svc)
	}
}

// dependencies maps depends_on (which compose-go also fills from links).
func (m *mapper) dependencies(tb *spec.Testbed, s *spec.Server, svc types.ServiceConfig) {
	for _, name := range slices.Sorted(maps.Keys(svc.DependsOn)) {
		dep := svc.DependsOn[name]
		field := "depends_on." + name
		t := tb.Server(name)
		if t == nil {
			if dep.Required {
				m.errorf(s.Name, "depends_on", field, "no enabled service %s in this project", quote(name))
			}
			continue
		}
		var cond string
		switch dep.Condition {
		case "", types.ServiceConditionStarted:
			cond = spec.ConditionStarted
		case types.ServiceConditionHealthy:
			cond = spec.ConditionReady
			if !hasHealth(t) && t.Ready == nil {
				// As in compose, the image's own HEALTHCHECK decides.
				t.Ready = &spec.Probe{Health: true}
				m.warnf(s.Name, "depends_on", field, "service_healthy, but %s has no healthcheck in the file: testbed waits for its image's own HEALTHCHECK", quote(name))
			}
		case types.ServiceConditionCompletedSuccessfully:
			cond = spec.ConditionCompleted
		default:
			m.errorf(s.Name, "depends_on", field+".condition", "condition %s: want service_started, service_healthy or service_completed_successfully", quote(dep.Condition))
			continue
		}
		s.DependsOn = append(s.DependsOn, spec.Dependency{Name: name, Condition: cond})
	}
}

// linkAlias gives target the alias a link of service names. Link aliases
// are network-wide in testbed (every server resolves them, and they are in
// the target's TLS certificate), where compose scopes them to the linking
// container: testbed's network has DNS aliases only, never legacy links.
// So one alias cannot name two servers: that is an error at the link.
func (m *mapper) linkAlias(tb *spec.Testbed, service, key string, i, n int, target *spec.Server, alias string) {
	alias = strings.ToLower(alias)
	if alias == "" || alias == target.Name || slices.Contains(target.Aliases, alias) {
		return
	}
	for _, o := range tb.Servers {
		if o != target && (o.Name == alias || slices.Contains(o.Aliases, alias)) {
			a := m.src.item(service, key, i, n, m.first)
			m.p.Add(&spec.Error{File: a.file, Line: a.line, Server: service, Field: fmt.Sprintf("%s[%d]", key, i),
				Msg: fmt.Sprintf("alias %s already names server %s: testbed's link aliases are network-wide, so one alias cannot name two servers", quote(alias), quote(o.Name))})
			return
		}
	}
	addAlias(target, alias)
}
