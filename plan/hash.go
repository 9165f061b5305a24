package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"sort"
	"time"

	"github.com/testbed-dev/testbed/spec"
)

// hashVersion goes into every hash: bump it when what is hashed changes.
const hashVersion = "3"

// canonicalStep is what a step's hash covers: what runs, resolved (the
// kind's defaults applied, ports expanded), with no source positions, no
// host paths of copied files (their bytes and modes are in Content) and no
// run-time labels (owner, version). encoding/json writes map keys sorted,
// so no map order reaches the hash.
type canonicalStep struct {
	Version    string
	Name       string
	Builtin    string
	Image      string
	Build      *canonicalBuild
	Content    string // image content hash of the server's files
	Files      []spec.File
	Hostname   string
	Aliases    []string
	TLSNames   []string
	Ports      []Binding
	DataPorts  int
	Command    []string
	Entrypoint []string
	Env        map[string]string
	Options    map[string]string
	Probe      *spec.Probe
	Timeout    time.Duration
	Hardened   bool
	User       string
	WorkingDir string
	ReadOnly   bool
	Tmpfs      []string
	CapAdd     []string
	CapDrop    []string
	Volumes    []spec.Volume
	Health     *spec.Health
	Pull       bool
	DependsOn  []spec.Dependency
	Labels     map[string]string
	Domain     string
	Domainname string
	ExtraHosts []spec.HostEntry
	Platform   string
	Resources  *spec.Resources
	Reset      string `json:",omitempty"`
}

type canonicalBuild struct {
	Dockerfile string
	Inline     string
	BaseImage  string
	Args       map[string]string
}

// hash sets every step's Hash and the plan's SpecHash (a hash of the
// steps' hashes, by server name).
func (p *Plan) hash(contents map[string]string) error {
	all := map[string]string{}
	for _, st := range p.Steps() {
		h, err := st.hash(p.Domain, contents[st.Server.Name])
		if err != nil {
			return err
		}
		st.Hash = h
		st.Labels[LabelSpecHash] = h
		all[st.Server.Name] = h
	}
	names := make([]string, 0, len(all))
	for n := range all {
		names = append(names, n)
	}
	sort.Strings(names)
	sum := sha256.New()
	for _, n := range names {
		fmt.Fprintf(sum, "%s=%s\n", n, all[n])
	}
	p.SpecHash = hex.EncodeToString(sum.Sum(nil))[:16]
	p.Labels[LabelSpecHash] = p.SpecHash
	return nil
}

func (st *Step) hash(domain, content string) (string, error) {
	s := st.Server
	c := canonicalStep{
		Version: hashVersion, Name: s.Name, Builtin: s.Builtin, Image: s.Image, Content: content,
		Hostname: st.Hostname, Aliases: st.Aliases, TLSNames: st.TLSNames, Ports: st.Ports, DataPorts: st.DataPorts,
		Command: st.Command, Entrypoint: s.Entrypoint, Env: st.Env, Options: st.Options, Probe: st.Probe,
		Timeout: st.Timeout, Hardened: st.Hardened, User: s.User, WorkingDir: s.WorkingDir, ReadOnly: s.ReadOnly,
		Tmpfs: s.Tmpfs, CapAdd: s.CapAdd, CapDrop: s.CapDrop, Volumes: s.Volumes, Health: s.Health, Pull: s.Pull,
		DependsOn: s.DependsOn, Labels: s.Labels, Domain: domain,
		Domainname: s.Domainname, ExtraHosts: s.ExtraHosts, Platform: s.Platform, Resources: s.Resources,
		Reset: s.Reset,
	}
	if b := s.Build; b != nil {
		c.Build = &canonicalBuild{Dockerfile: b.Dockerfile, Inline: b.Inline, BaseImage: b.BaseImage, Args: maps.Clone(b.Args)}
	}
	for _, f := range s.Files {
		c.Files = append(c.Files, spec.File{Dst: f.Dst, Mode: f.Mode}) // Src's bytes are in Content
	}
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("hash server %s: %w", s.Name, err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])[:16], nil
}
