package compose

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/testbed-dev/testbed/spec"
)

// at is a place in a compose file.
type at struct {
	file string
	line int
}

// place is where a service and each of its keys are written.
type place struct {
	at                    // the service's own key, in the first file that has it
	keys  map[string]at   // service key -> where it is written last
	items map[string][]at // service key -> its list items, where the key is written last as a list
}

// sourceMap knows where services and keys are written, for messages. It is
// built from the files given to Load (not from includes or extends).
type sourceMap struct {
	services map[string]*place
	order    []string      // services in the order they first appear
	top      map[string]at // top-level keys
	entries  []entry       // values compose-go may refuse without saying where
	docs     []yamlDoc     // the YAML documents, to find keys compose-go names by path
	vars     []varRef      // every variable the files use, where
}

// yamlDoc is one YAML document of a compose file.
type yamlDoc struct {
	file string
	root *yaml.Node
}

// maxFileSize bounds one compose file.
const maxFileSize = 4 << 20

// readSources reads the compose files' YAML node trees, before compose-go
// sees them: a file that is too large, or whose YAML is invalid (an anchor
// that contains itself, excessive aliasing, duplicate keys), is refused
// here, as compose-go can take a very long time over a self-referencing
// merge. Files that cannot be read are left to compose-go to report.
func readSources(paths []string) (*sourceMap, error) {
	m := &sourceMap{services: map[string]*place{}, top: map[string]at{}}
	for _, file := range paths {
		st, err := os.Stat(file)
		if err != nil || !st.Mode().IsRegular() {
			continue
		}
		if st.Size() > maxFileSize {
			return nil, &spec.Error{File: file, Msg: fmt.Sprintf("larger than %d bytes", maxFileSize)}
		}
		data, err := os.ReadFile(file)
		if err != nil {
			continue
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for {
			var doc yaml.Node
			err := dec.Decode(&doc)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, spec.YAMLError(err, data, file)
			}
			var v any
			if err := doc.Decode(&v); err != nil { // expands aliases, with yaml's own limits
				return nil, &spec.Error{File: file, Msg: "invalid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
			}
			if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
				m.docs = append(m.docs, yamlDoc{file, doc.Content[0]})
				m.scanVars(file, doc.Content[0])
				if err := m.scanDocument(file, doc.Content[0]); err != nil {
					return nil, err
				}
			}
		}
	}
	return m, nil
}

// scanDocument records where services and their keys are, and refuses
// port ranges too large to expand (compose-go expands every range into
// single ports before testbed sees them).
func (m *sourceMap) scanDocument(file string, root *yaml.Node) error {
	if root.Kind != yaml.MappingNode {
		return nil
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
				p = &place{at: at{file, sk.Line}, keys: map[string]at{}, items: map[string][]at{}}
				m.services[sk.Value] = p
				m.order = append(m.order, sk.Value)
			}
			if sv.Kind != yaml.MappingNode {
				continue
			}
			for n := 0; n+1 < len(sv.Content); n += 2 {
				k, v := sv.Content[n], sv.Content[n+1]
				p.keys[k.Value] = at{file, k.Line}
				delete(p.items, k.Value)
				if v.Kind == yaml.SequenceNode {
					items := make([]at, len(v.Content))
					for i, item := range v.Content {
						items[i] = at{file, item.Line}
					}
					p.items[k.Value] = items
				}
				if k.Value == "ports" || k.Value == "expose" {
					if err := checkRanges(file, sk.Value, k.Value, v); err != nil {
						return err
					}
				}
				m.entries = append(m.entries, serviceEntries(file, sk.Value, k.Value, v)...)
			}
		}
	}
	if inc, ok := mappingValue(root, "include"); ok {
		m.entries = append(m.entries, includeEntries(file, inc)...)
	}
	return nil
}

// item returns where item i of a service's list key is written, when the
// file that writes the key last writes it as a list of n items (so the
// index is that file's); else where the key is.
func (m *sourceMap) item(name, key string, i, n int, fallback string) at {
	if p := m.services[name]; p != nil {
		if items := p.items[key]; len(items) == n && i >= 0 && i < n {
			return items[i]
		}
	}
	return m.key(name, key, fallback)
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
