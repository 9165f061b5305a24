package compose

import (
	"bytes"
	"errors"
	"io"
	"os"

	"go.yaml.in/yaml/v3"
)

// at is a place in a compose file.
type at struct {
	file string
	line int
}

// place is where a service and each of its keys are written.
type place struct {
	at                 // the service's own key, in the first file that has it
	keys map[string]at // service key -> where it is written last
}

// sourceMap knows where services and keys are written, for messages. It is
// built from the files given to Load (not from includes or extends), and
// only helps messages: anything it cannot read is left out.
type sourceMap struct {
	services map[string]*place
	order    []string      // services in the order they first appear
	top      map[string]at // top-level keys
}

// scanSources reads the compose files' YAML node trees.
func scanSources(paths []string) *sourceMap {
	m := &sourceMap{services: map[string]*place{}, top: map[string]at{}}
	for _, file := range paths {
		data, err := os.ReadFile(file)
		if err != nil {
			continue
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for {
			var doc yaml.Node
			err := dec.Decode(&doc)
			if errors.Is(err, io.EOF) || err != nil {
				break
			}
			if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
				continue
			}
			m.scanDocument(file, doc.Content[0])
		}
	}
	return m
}

func (m *sourceMap) scanDocument(file string, root *yaml.Node) {
	if root.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		m.top[k.Value] = at{file, k.Line}
		if k.Value != "services" || v.Kind != yaml.MappingNode {
			continue
		}
		for j := 0; j+1 < len(v.Content); j += 2 {
			sk, sv := v.Content[j], v.Content[j+1]
			p := m.services[sk.Value]
			if p == nil {
				p = &place{at: at{file, sk.Line}, keys: map[string]at{}}
				m.services[sk.Value] = p
				m.order = append(m.order, sk.Value)
			}
			if sv.Kind != yaml.MappingNode {
				continue
			}
			for n := 0; n+1 < len(sv.Content); n += 2 {
				p.keys[sv.Content[n].Value] = at{file, sv.Content[n].Line}
			}
		}
	}
}

// service returns where service is written, or the first file.
func (m *sourceMap) service(name, fallback string) at {
	if p := m.services[name]; p != nil {
		return p.at
	}
	return at{file: fallback}
}

// key returns where a service's key is written, or where the service is.
func (m *sourceMap) key(name, key, fallback string) at {
	if p := m.services[name]; p != nil {
		if a, ok := p.keys[key]; ok {
			return a
		}
		return p.at
	}
	return at{file: fallback}
}
