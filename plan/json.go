package plan

import (
	"encoding/json"
	"fmt"

	"github.com/testbed-dev/testbed/catalog"
)

// Encode is the plan as JSON, for a process that runs it (the local
// driver's supervisor) to receive it as a value instead of planning again.
func (p *Plan) Encode() ([]byte, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode plan: %w", err)
	}
	return b, nil
}

// Decode reads a plan made by Encode; built-in kinds are found again in cat.
func Decode(b []byte, cat *catalog.Catalog) (*Plan, error) {
	var p Plan
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("decode plan: %w", err)
	}
	for _, st := range p.Steps() {
		if st.Server == nil {
			return nil, fmt.Errorf("decode plan: a step without a server")
		}
		if st.Server.Builtin == "" {
			continue
		}
		k, ok := cat.Kind(st.Server.Builtin)
		if !ok {
			return nil, fmt.Errorf("decode plan: server %s: unknown built-in kind %q", st.Server.Name, st.Server.Builtin)
		}
		st.Kind = k
	}
	return &p, nil
}
