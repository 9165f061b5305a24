package specfile

import (
	"bytes"
	"io"
	"os"

	"go.yaml.in/yaml/v3"

	"github.com/testbed-dev/testbed/spec"
)

// topKeys is what a file's content says about its format: the lines of its
// top-level "servers" and "services" keys (0 when absent) and the format
// they make it.
type topKeys struct {
	servers, services int
	format            string // spec.FormatNative, spec.FormatCompose, or "" when undecided
}

// sniff reads the top-level keys of the YAML (or JSON) file at path. A
// mapping with "servers" is native; one with "services" and no "servers" is
// compose. A file that cannot be read or parsed, or whose first document is
// not a mapping, is undecided: its loader will say what is wrong.
func sniff(path string) topKeys {
	var k topKeys
	f, err := os.Open(path)
	if err != nil {
		return k
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, spec.MaxSize+1))
	if err != nil || len(data) > spec.MaxSize {
		return k
	}
	// The first document only: a node tree, so aliases are not expanded.
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&doc); err != nil || len(doc.Content) != 1 {
		return k
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return k
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		key := root.Content[i]
		if key.Kind != yaml.ScalarNode {
			continue
		}
		switch key.Value {
		case "servers":
			k.servers = key.Line
		case "services":
			k.services = key.Line
		}
	}
	switch {
	case k.servers != 0:
		k.format = spec.FormatNative
	case k.services != 0:
		k.format = spec.FormatCompose
	}
	return k
}
