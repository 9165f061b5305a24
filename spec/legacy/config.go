package legacy

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/testbed-dev/testbed/spec"
)

// The keys of a config.json.
const (
	keyVersion    = "version"
	keyImage      = "image" // testbed extension: a full base image reference
	keyMaintainer = "maintainer"
	keyUpdate     = "update"
	keyInstall    = "install"
	keyCopy       = "copy"
	keyBuild      = "docker_build_command"
	keyLink       = "link"
	keyBackend    = "backend"
	keyPort       = "port"
	keyEnsure     = "ensure"
	keyModule     = "module"
	keyDomain     = "domain" // testbed extension: the DNS domain of every server (base file only)
)

// knownKeys lists the keys in the order messages show them.
var knownKeys = []string{keyVersion, keyImage, keyMaintainer, keyUpdate, keyInstall, keyCopy,
	keyBuild, keyLink, keyBackend, keyPort, keyEnsure, keyModule, keyDomain}

// serverOnly reports whether key may appear only in a server's own file.
func serverOnly(key string) bool {
	return key == keyLink || key == keyBackend || key == keyModule
}

// baseOnly reports whether key may appear only in the base file.
func baseOnly(key string) bool { return key == keyDomain }

// maxMaintainer bounds the maintainer label's length.
const maxMaintainer = 512

// maxPackageName bounds one package name of install.
const maxPackageName = 255

var (
	// tagRE is an image tag, as in ubuntu:<version>.
	tagRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	// aptPackageRE is what apt-get install takes for one package: a Debian
	// package name, optionally ":ARCH", then optionally "=VERSION" (an
	// epoch, upstream version and revision) or "/RELEASE". None of these
	// characters means anything to a shell, and none starts an option.
	aptPackageRE = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]+(:[a-z0-9][a-z0-9-]*)?(=([0-9]+:)?[A-Za-z0-9][A-Za-z0-9.+~_-]*|/[A-Za-z0-9][A-Za-z0-9.+~_-]*)?$`)
)

// config is one config.json, decoded and checked on its own; links are
// checked once every server is known.
type config struct {
	file  string         // path of the config.json
	lines map[string]int // key -> line

	version, image string // "" when absent
	maintainer     *string
	update         *bool
	install        []string // package names
	copies         []spec.File
	build          []string // docker_build_command lines, blank ones dropped
	links          []string
	backends       []string
	ports          []int    // nil when absent
	ensure         []string // argument words; nil when absent
	module         string
	domain         string // "" when absent
}

// parseConfig decodes and checks one config.json. server is the name used in
// messages (the folder name, or module when the file sets one); "" for the
// base file.
func parseConfig(file string, data []byte, server string) (*config, error) {
	obj, err := readObject(file, server, data)
	if err != nil {
		return nil, err
	}
	c := &config{file: file, lines: obj.lines}
	var p problems
	add := func(key, field, format string, args ...any) {
		p.add(file, obj.lines[key], server, field, format, args...)
	}

	if raw, ok := obj.values[keyModule]; ok && server != "" {
		if s, err := stringValue(raw, false); err != nil && !errors.Is(err, errNull) {
			add(keyModule, keyModule, "%v", err)
		} else if err == nil && !spec.IsDNSLabel(s) {
			add(keyModule, keyModule, "%s is not a DNS label (a-z, 0-9 and '-', at most 63)", quote(s))
		} else if err == nil {
			c.module, server = s, s
		}
	}

	var unknown []string
	firstLine := 0
	for _, key := range obj.keys {
		if !slices.Contains(knownKeys, key) {
			if unknown == nil {
				firstLine = obj.lines[key]
			}
			unknown = append(unknown, quote(key))
		}
	}
	if len(unknown) > 0 {
		p.add(file, firstLine, server, "", "unknown keys %s (known: %s)", strings.Join(unknown, ", "), strings.Join(knownKeys, ", "))
	}

	for _, key := range obj.keys {
		raw := obj.values[key]
		if server == "" && serverOnly(key) {
			add(key, key, "allowed in a server's config.json only, not in the base file")
			continue
		}
		if server != "" && baseOnly(key) {
			add(key, key, "allowed in the base config.json only: every server is in the one domain")
			continue
		}
		if _, err := decode(raw); errors.Is(err, errNull) {
			continue // null: as if absent
		}
		switch key {
		case keyDomain:
			d, err := stringValue(raw, false)
			switch {
			case err != nil:
				add(key, key, "%v", err)
			case !spec.IsDNSName(d):
				add(key, key, "%s is not a lowercase DNS name like test-net.example.test", quote(d))
			default:
				c.domain = d
			}
		case keyVersion:
			s, err := stringValue(raw, true)
			switch {
			case err != nil:
				add(key, key, "%v", err)
			case !tagRE.MatchString(s):
				add(key, key, "%s is not an image tag (ubuntu:<version>)", quote(s))
			default:
				c.version = s
			}
		case keyImage:
			s, err := stringValue(raw, false)
			if err == nil {
				err = spec.CheckImageRef(s)
			}
			if err != nil {
				add(key, key, "%v", err)
			} else {
				c.image = s
			}
		case keyMaintainer:
			s, err := stringValue(raw, false)
			if err == nil && len(s) > maxMaintainer {
				err = fmt.Errorf("longer than %d bytes", maxMaintainer)
			}
			if err == nil {
				err = spec.CheckText(s)
			}
			if err != nil {
				add(key, key, "%v", err)
			} else {
				c.maintainer = &s
			}
		case keyUpdate:
			b, err := boolValue(raw)
			if err != nil {
				add(key, key, "%v", err)
			} else {
				c.update = &b
			}
		case keyInstall:
			pkgs, err := packages(raw)
			if err != nil {
				add(key, key, "%v", err)
			} else {
				c.install = pkgs
			}
		case keyCopy:
			c.copies = parseCopies(file, obj.lines[key], server, raw, &p)
		case keyBuild:
			lines, list, err := stringList(raw)
			if err != nil {
				add(key, key, "%v", err)
				break
			}
			for i, l := range lines {
				field := key
				if list {
					field = indexField(key, i)
				}
				if msg := checkBuildLine(l); msg != "" {
					add(key, field, "%s", msg)
				} else if strings.TrimSpace(l) != "" {
					c.build = append(c.build, strings.TrimSpace(l))
				}
			}
		case keyLink, keyBackend:
			names, _, err := stringList(raw)
			if err != nil {
				add(key, key, "%v", err)
				break
			}
			for _, n := range names {
				if !spec.IsDNSLabel(n) {
					add(key, key, "%s is not a server name (a DNS label)", quote(n))
				}
			}
			if key == keyLink {
				c.links = names
			} else {
				c.backends = names
			}
		case keyPort:
			ports, err := portList(raw)
			if err != nil {
				add(key, key, "%v", err)
			} else {
				c.ports = ports
			}
		case keyEnsure:
			words, list, err := stringList(raw)
			if err != nil {
				add(key, key, "%v", err)
				break
			}
			if !list {
				words = strings.Fields(words[0])
			}
			if len(words) == 0 {
				add(key, key, "empty: give the arguments of /post_startup.py")
				break
			}
			// The words become the exec probe's argv: the rule is
			// spec.Validate's for every argument.
			for _, w := range words {
				if err := spec.CheckData(w); err != nil {
					add(key, key, "%v", err)
					words = nil
					break
				}
			}
			c.ensure = words
		}
	}
	if c.version != "" && c.image != "" {
		add(keyImage, keyImage, "set either version or image, not both")
	}
	return c, p.Err()
}

// packages reads "install": a space-separated string or a list, split into
// words, each what apt-get install takes: NAME[:ARCH][=VERSION|/RELEASE].
func packages(raw json.RawMessage) ([]string, error) {
	items, _, err := stringList(raw)
	if err != nil {
		return nil, err
	}
	n := 0
	for _, item := range items {
		n += len(strings.Fields(item))
	}
	if n > spec.MaxInstallPackages {
		return nil, errors.New(spec.TooMany("packages", n, spec.MaxInstallPackages))
	}
	var out []string
	for _, item := range items {
		if err := checkLine(item); err != nil {
			return nil, fmt.Errorf("%w; install takes Debian package names only", err)
		}
		for _, w := range strings.Fields(item) {
			if len(w) > maxPackageName {
				return nil, errors.New("package " + quote(w) + " is longer than " + strconv.Itoa(maxPackageName) + " bytes; install takes package names only")
			}
			if !aptPackageRE.MatchString(w) {
				return nil, errors.New("package " + quote(w) + " is not a Debian package name NAME[:ARCH][=VERSION|/RELEASE] (NAME is [a-z0-9][a-z0-9+.-]+); install takes package names only")
			}
			if !slices.Contains(out, w) {
				out = append(out, w)
			}
		}
	}
	return out, nil
}

// checkLine is [spec.CheckText] for text where a tab separates words (a
// package list, a Dockerfile line): the one text rule, with tabs let
// through.
func checkLine(s string) error {
	return spec.CheckText(strings.ReplaceAll(s, "\t", " "))
}

// indexField names item i of a list field, like "copy[2]".
func indexField(key string, i int) string {
	return key + "[" + strconv.Itoa(i) + "]"
}
