package compose

import (
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/tree"
)

// serviceKeys are the service attributes testbed maps, as compose-go paths
// below "services.<name>." ("[]" is a list item, "*" any key). Every other
// attribute, at any depth, is reported: harmlessKeys as warnings, the rest
// as errors.
var serviceKeys = []string{
	"name", "profiles", "image",
	"build", "build.context", "build.dockerfile", "build.dockerfile_inline", "build.args", "build.args.*", "build.target",
	"command", "entrypoint",
	"environment", "environment.*", "env_file", "env_file.[].path", "env_file.[].required", "env_file.[].format",
	"hostname", "domainname",
	"ports", "ports.[].target", "ports.[].published", "ports.[].host_ip", "ports.[].protocol",
	"ports.[].mode", "ports.[].name", "ports.[].app_protocol",
	"expose",
	"networks", "networks.*", "networks.*.aliases",
	"links", "external_links",
	"depends_on", "depends_on.*", "depends_on.*.condition", "depends_on.*.required", "depends_on.*.restart",
	"healthcheck", "healthcheck.test", "healthcheck.retries", "healthcheck.interval", "healthcheck.timeout",
	"healthcheck.start_period", "healthcheck.start_interval", "healthcheck.disable",
	"cap_add", "cap_drop", "user", "working_dir", "read_only", "tmpfs",
	"volumes", "volumes.[].type", "volumes.[].source", "volumes.[].target", "volumes.[].read_only",
	"volumes.[].bind", "volumes.[].bind.create_host_path", "volumes.[].volume", "volumes.[].volume.nocopy",
	"volumes.[].tmpfs", "volumes.[].tmpfs.size", "volumes.[].tmpfs.mode",
	"labels", "labels.*", "label_file",
	"restart", "network_mode", "extra_hosts", "extra_hosts.*", "platform",
	"mem_limit", "cpus", "pids_limit",
	"deploy", "deploy.resources", "deploy.resources.limits", "deploy.resources.limits.cpus",
	"deploy.resources.limits.memory", "deploy.resources.limits.pids",
	"deploy.resources.reservations", "deploy.resources.reservations.cpus", "deploy.resources.reservations.memory",
	"secrets", "secrets.[].source", "secrets.[].target", "secrets.[].uid", "secrets.[].gid", "secrets.[].mode",
	"configs", "configs.[].source", "configs.[].target", "configs.[].uid", "configs.[].gid", "configs.[].mode",
}

// topKeys are the top-level attributes testbed takes.
var topKeys = []string{"name", "services", "services.*", "volumes", "volumes.*", "volumes.*.name",
	"secrets", "secrets.*", "secrets.*.file", "secrets.*.name", "secrets.*.external", "secrets.*.environment",
	"configs", "configs.*", "configs.*.file", "configs.*.name", "configs.*.external", "configs.*.environment", "configs.*.content"}

// harmlessKeys are service attributes testbed ignores with a warning: they
// change nothing a test can observe through testbed, or testbed replaces
// them (container_name).
var harmlessKeys = map[string]string{
	"container_name":    "testbed names containers <project>-<service> so parallel runs never collide",
	"stop_grace_period": "ignored: testbed stops servers itself",
	"stop_signal":       "ignored: testbed stops servers itself",
	"logging":           "ignored: testbed reads the engine's default logs",
	"log_driver":        "ignored: testbed reads the engine's default logs",
	"log_opt":           "ignored: testbed reads the engine's default logs",
	"tty":               "ignored",
	"stdin_open":        "ignored",
	"init":              "ignored",
	"pull_policy":       "ignored: images must exist locally unless pulling is allowed (--pull)",
	"mem_reservation":   "ignored: testbed sets limits only (mem_limit, cpus, pids_limit, deploy.resources.limits)",
	"memswap_limit":     "ignored: testbed sets limits only (mem_limit, cpus, pids_limit, deploy.resources.limits)",
	"cpu_shares":        "ignored: testbed sets limits only (mem_limit, cpus, pids_limit, deploy.resources.limits)",
}

// supportedPaths lists every attribute path testbed takes, for compose-go's
// fail-closed attribute check.
func supportedPaths() []tree.Path {
	out := make([]tree.Path, 0, len(serviceKeys)+len(topKeys))
	for _, k := range topKeys {
		out = append(out, tree.Path(k))
	}
	for _, k := range serviceKeys {
		out = append(out, tree.Path("services.*."+k))
	}
	return out
}

// finding is one attribute compose-go reported as not supported.
type finding struct {
	service string // "" for a top-level attribute
	key     string // the service's (or the file's) top-level key
	path    string // dotted path below the service (or the file), for messages
}

// classify turns compose-go's findings into findings per service.
func classify(found []loader.UnsupportedAttribute) []finding {
	var out []finding
	for _, f := range found {
		parts := f.Path.Parts()
		for i, p := range parts {
			parts[i] = strings.ReplaceAll(p, "👻", ".") // compose-go's stand-in for a dot inside a key
		}
		if len(parts) >= 3 && parts[0] == "services" {
			out = append(out, finding{service: parts[1], key: parts[2], path: joinPath(parts[2:])})
			continue
		}
		out = append(out, finding{key: parts[0], path: joinPath(parts)})
	}
	slices.SortFunc(out, func(a, b finding) int {
		if c := strings.Compare(a.service, b.service); c != 0 {
			return c
		}
		return strings.Compare(a.path, b.path)
	})
	return slices.CompactFunc(out, func(a, b finding) bool { return a == b })
}

// joinPath writes path parts with list items as "[]" on their list:
// "volumes[].bind.selinux".
func joinPath(parts []string) string {
	var b strings.Builder
	for i, p := range parts {
		if i > 0 && p != tree.PathMatchList {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}
