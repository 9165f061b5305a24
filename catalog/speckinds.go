package catalog

// SpecKinds adapts a catalogue to spec.Kinds, for validation.
func SpecKinds(c *Catalog) specKinds { return specKinds{c} }

type specKinds struct{ c *Catalog }

// HasKind implements spec.Kinds.
func (k specKinds) HasKind(name string) bool {
	_, ok := k.c.Kind(name)
	return ok
}

// KindOptions implements spec.Kinds.
func (k specKinds) KindOptions(name string) []string {
	kind, ok := k.c.Kind(name)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(kind.Options))
	for _, o := range kind.Options {
		out = append(out, o.Name)
	}
	return out
}
