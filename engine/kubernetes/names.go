//go:build kubernetes

package kubernetes

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"strings"

	"github.com/testbed-dev/testbed/plan"
)

// Labels and annotations of testbed's objects on the cluster. A label
// value is at most 63 characters of [A-Za-z0-9._-] (an owner has '/' in
// it, a spec hash has 64 characters), so the exact values are annotations
// of the same names and the labels carry a selectable form ([labelValue]).
const (
	// LabelKept on a project's namespace says it was left up on purpose.
	LabelKept = "testbed.kept"
	// LabelManaged is on every object testbed makes: the selector of
	// "every project".
	LabelManaged = "testbed.managed"
)

// Namespace is the namespace of a project: "testbed-", a readable prefix
// of the project name ('_' as '-'), '-', and 10 hex digits of its SHA-256,
// so that two projects never share one ("a_b" and "a-b" differ in the
// hash) and the name is a DNS label of at most 63 characters.
func Namespace(project string) string {
	sum := sha256.Sum256([]byte(project))
	prefix := strings.ReplaceAll(project, "_", "-")
	if len(prefix) > 40 {
		prefix = prefix[:40]
	}
	prefix = strings.Trim(prefix, "-")
	if prefix == "" {
		return "testbed-" + hex.EncodeToString(sum[:5])
	}
	return "testbed-" + prefix + "-" + hex.EncodeToString(sum[:5])
}

// serviceName is a server's Service: its name when that is a DNS-1035
// label (starts with a letter), else "s-" and a hash, with the server
// name after it where it fits.
func serviceName(server string) string {
	if server != "" && server[0] >= 'a' && server[0] <= 'z' {
		return server
	}
	sum := sha256.Sum256([]byte(server))
	name := "s-" + hex.EncodeToString(sum[:4]) + "-" + server
	if len(name) > 63 {
		name = name[:63]
	}
	return strings.TrimRight(name, "-")
}

// podName is a server's Pod (server names are DNS labels).
func podName(server string) string { return server }

// secretName is the Secret with a server's certificate and control token.
func secretName(server string) string { return "tls-" + hashSuffix(server) }

func hashSuffix(s string) string {
	if len(s) <= 50 {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	return s[:40] + "-" + hex.EncodeToString(sum[:5])
}

// labelValue is v as a label value: v itself when it is one, else "h-"
// and 40 hex digits of its SHA-256 (the exact value is an annotation).
func labelValue(v string) string {
	if isLabelValue(v) {
		return v
	}
	sum := sha256.Sum256([]byte(v))
	return "h-" + hex.EncodeToString(sum[:20])
}

func isLabelValue(v string) bool {
	if len(v) > 63 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || i == len(v)-1 || c != '-' && c != '_' && c != '.') {
			return false
		}
	}
	return true
}

// selectable are the keys whose values go into labels too (in their
// label-safe form); every testbed.* value is an annotation.
var selectable = []string{plan.LabelProject, plan.LabelServer, plan.LabelOwner, plan.LabelSpecHash}

// metadata splits testbed's labels into the object's labels (managed, and
// the selectable keys in label form) and annotations (every value exact).
func metadata(values map[string]string) (labels, annotations map[string]string) {
	annotations = maps.Clone(values)
	labels = map[string]string{LabelManaged: "true"}
	for _, k := range selectable {
		if v, ok := values[k]; ok {
			labels[k] = labelValue(v)
		}
	}
	return labels, annotations
}

// projectSelector selects a project's objects ("" = every project), and
// only those of owner when set.
func projectSelector(project, owner string) string {
	s := LabelManaged + "=true"
	if project != "" {
		s += "," + plan.LabelProject + "=" + labelValue(project)
	}
	if owner != "" {
		s += "," + plan.LabelOwner + "=" + labelValue(owner)
	}
	return s
}
