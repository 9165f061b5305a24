package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/moby/moby/client"
)

// compose is docker-compose (or `docker compose`) bringing up an equivalent
// compose file: the same image, commands, ports, hardening, network aliases
// and certificates. Up is `up -d` then polling until every server passes
// the same readiness probes testbed uses; Down is `down --timeout 1`.
type compose struct {
	e     *env
	argv  []string // "docker-compose", or "docker", "compose"
	label string   // row label
	key   string   // short name for the project
	file  string
	pl    *planned
}

func (c *compose) Name() string { return c.label }

func (c *compose) project() string { return c.e.project(c.key) }

func (c *compose) run(ctx context.Context, args ...string) error {
	full := append(append(append([]string{}, c.argv[1:]...), "-p", c.project(), "-f", c.file), args...)
	cmd := exec.CommandContext(ctx, c.argv[0], full...)
	cmd.Dir = filepath.Dir(c.file)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w\n%s", strings.Join(c.argv, " "), strings.Join(args, " "), err, out.String())
	}
	return nil
}

func (c *compose) Up(ctx context.Context) (time.Duration, int64, error) {
	pl, err := c.e.plan(c.project())
	if err != nil {
		return 0, 0, err
	}
	c.pl = pl
	c.file = filepath.Join(c.e.tmp, c.key, "docker-compose.json")
	if err := writeComposeFile(c.file, pl); err != nil {
		return 0, 0, err
	}
	start := time.Now()
	if err := c.run(ctx, "up", "-d"); err != nil {
		return 0, 0, err
	}
	list, err := c.e.api.ContainerList(ctx, client.ContainerListOptions{All: true,
		Filters: client.Filters{}.Add("label", "com.docker.compose.project="+c.project())})
	if err != nil {
		return 0, 0, err
	}
	ids := map[string]string{}
	for _, it := range list.Items {
		ids[it.Labels["com.docker.compose.service"]] = it.ID
	}
	if err := c.e.awaitAll(ctx, pl, ids); err != nil {
		return 0, 0, err
	}
	return time.Since(start), 0, nil
}

func (c *compose) Down(ctx context.Context) (time.Duration, error) {
	start := time.Now()
	err := c.run(ctx, "down", "--timeout", "1")
	return time.Since(start), err
}

// writeComposeFile writes pl as a compose file (JSON is YAML, and needs no
// quoting rules); compose's "$" interpolation is escaped.
func writeComposeFile(path string, pl *planned) error {
	type netRef struct {
		Aliases []string `json:"aliases,omitempty"`
	}
	type service struct {
		Image       string            `json:"image"`
		Entrypoint  []string          `json:"entrypoint,omitempty"`
		Command     []string          `json:"command,omitempty"`
		Hostname    string            `json:"hostname,omitempty"`
		User        string            `json:"user,omitempty"`
		ReadOnly    bool              `json:"read_only,omitempty"`
		CapDrop     []string          `json:"cap_drop,omitempty"`
		CapAdd      []string          `json:"cap_add,omitempty"`
		SecurityOpt []string          `json:"security_opt,omitempty"`
		Sysctls     map[string]string `json:"sysctls,omitempty"`
		Tmpfs       []string          `json:"tmpfs,omitempty"`
		Environment map[string]string `json:"environment,omitempty"`
		Labels      map[string]string `json:"labels,omitempty"`
		Ports       []string          `json:"ports,omitempty"`
		Networks    map[string]netRef `json:"networks"`
	}
	type network struct {
		Labels map[string]string `json:"labels,omitempty"`
	}
	file := struct {
		Version  string             `json:"version"`
		Services map[string]service `json:"services"`
		Networks map[string]network `json:"networks"`
	}{Version: "2.4", Services: map[string]service{}, Networks: map[string]network{"tb": {Labels: pl.plan.Labels}}}
	esc := func(s string) string { return strings.ReplaceAll(s, "$", "$$") }
	for _, s := range pl.servers {
		cfg, host := s.opts.Config, s.opts.HostConfig
		svc := service{
			Image: cfg.Image, Entrypoint: cfg.Entrypoint, Hostname: cfg.Hostname, User: cfg.User,
			ReadOnly: host.ReadonlyRootfs, CapDrop: host.CapDrop, CapAdd: host.CapAdd, SecurityOpt: host.SecurityOpt,
			Sysctls: host.Sysctls, Environment: map[string]string{}, Labels: cfg.Labels,
			Networks: map[string]netRef{"tb": {Aliases: s.step.Aliases}},
		}
		for _, a := range cfg.Cmd {
			svc.Command = append(svc.Command, esc(a))
		}
		for path, opts := range host.Tmpfs {
			svc.Tmpfs = append(svc.Tmpfs, path+":"+opts)
		}
		for _, kv := range cfg.Env {
			k, v, _ := strings.Cut(kv, "=")
			svc.Environment[k] = esc(v)
		}
		for port, bindings := range host.PortBindings {
			for _, b := range bindings {
				svc.Ports = append(svc.Ports, fmt.Sprintf("%s:%s:%d/%s", b.HostIP, b.HostPort, port.Num(), port.Proto()))
			}
		}
		file.Services[s.step.Server.Name] = svc
	}
	b, err := json.MarshalIndent(file, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

// composeCommands finds docker-compose 1.x and the compose v2 plugin; a
// missing one is reported in notes and skipped.
func composeCommands(ctx context.Context, e *env) (methods []method, notes []string) {
	if p, err := exec.LookPath("docker-compose"); err == nil {
		v, _ := exec.CommandContext(ctx, p, "version", "--short").Output()
		methods = append(methods, &compose{e: e, argv: []string{p}, key: "compose1",
			label: "docker-compose " + strings.TrimSpace(string(v)) + " (up -d, then ready; down --timeout 1)"})
	} else {
		notes = append(notes, "docker-compose (1.x) is not installed: skipped")
	}
	if p, err := exec.LookPath("docker"); err == nil {
		if v, err := exec.CommandContext(ctx, p, "compose", "version", "--short").Output(); err == nil {
			methods = append(methods, &compose{e: e, argv: []string{p, "compose"}, key: "compose2",
				label: "docker compose " + strings.TrimSpace(string(v)) + " (up -d, then ready; down --timeout 1)"})
		} else {
			notes = append(notes, "`docker compose` (v2) is not installed: skipped")
		}
	} else {
		notes = append(notes, "no docker CLI, so no `docker compose` (v2): skipped")
	}
	return methods, notes
}
