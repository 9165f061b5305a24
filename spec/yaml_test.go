package spec

import (
	"errors"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// A syntax error is placed at the line (and column) of the mistake, not
// at the start of the construct the parser was in.
func TestYAMLError(t *testing.T) {
	for _, tt := range []struct{ name, body, want string }{
		{"block mapping", "servers:\n  web:\n    image: a/b\n    env:\n      A: 1\n     B: 2\n", "f.yaml:6:6: invalid YAML: did not find expected key (parsing a block mapping that starts on line 3)"},
		{"flow sequence", "a:\n  b: [1, 2\n  c: 3\n", "f.yaml:3:4: invalid YAML: did not find expected ',' or ']' (parsing a flow sequence that starts on line 2)"},
		{"tab", "a:\n\t- b\n", "f.yaml:2: invalid YAML: found character that cannot start any token"},
		{"scanner", "a: b: c\n", "f.yaml:1:5: invalid YAML: mapping values are not allowed in this context"},
		{"second document", "a: 1\n---\nb: [\n", "f.yaml:4: invalid YAML: did not find expected node content"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var n yaml.Node
			dec := yaml.NewDecoder(strings.NewReader(tt.body))
			var err error
			for err == nil {
				err = dec.Decode(&n)
			}
			got := YAMLError(err, []byte(tt.body), "f.yaml")
			if got.Error() != tt.want {
				t.Errorf("YAMLError() = %q, want %q", got, tt.want)
			}
			if !errors.Is(got, ErrInvalid) {
				t.Errorf("YAMLError() = %v, want an ErrInvalid", got)
			}
		})
	}
}
