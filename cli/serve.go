package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/testbed-dev/testbed/catalog"
	"github.com/testbed-dev/testbed/hostnet"
	"github.com/testbed-dev/testbed/internal/trim"
	"github.com/testbed-dev/testbed/plan"
	"github.com/testbed-dev/testbed/servers/control"
	"github.com/testbed-dev/testbed/servers/netpolicy"
	"github.com/testbed-dev/testbed/servers/testca"
)

// IdleTrimDelay is how long after start a served kind returns its start-up
// memory to the OS.
const IdleTrimDelay = 2 * time.Second

type serveFlags struct {
	logLevelSet  bool // --log-level given; else the server logs at info
	listen       string
	ports        []string
	sets         []string
	tlsCert      string
	tlsKey       string
	allowDomain  string
	allowNames   []string
	allowNets    []string
	allowNetwork string
	refusedRetry time.Duration
	control      string
}

func (a *app) serveCommand() *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve KIND",
		Short: "Run one built-in server in the foreground",
		Long: `serve runs one built-in server kind in the foreground until interrupted. It is
what runs inside the built-in containers, and it is useful on its own.

TLS: the certificate comes from --tls-cert/--tls-key, or from the
TESTBED_TLS_CERT/TESTBED_TLS_KEY variables (PEM); without either, serve makes
a throwaway CA and prints where its PEM is.

The proxy and socks kinds connect only to testbed destinations: names given
with --allow-name or inside --allow-domain, and addresses inside --allow-net
(CIDR, or "local" for the networks of this machine's interfaces, without the
gateway). With --allow-network NAME (in containers) any name may be resolved
but only containers of the engine network NAME called NAME-<server> are
dialled.

With --control ADDR, serve also listens on ADDR for its control channel:
POST /reset with "Authorization: Bearer $TESTBED_CONTROL_TOKEN" restarts the
server on the same ports with its seeded state (uploads, mailboxes, retained
messages gone) and answers 204 once it serves again. testbed uses it to
reuse a running testbed (up --reuse, run --reuse, WithReuse).`,
		Example: `  testbed serve http --listen 127.0.0.1 --port 80/tcp=8080 --port 443/tcp=8443
  TESTBED_CONTROL_TOKEN=s3cret testbed serve ftp --port 21/tcp=2121 --control 127.0.0.1:7000
  curl -X POST -H 'Authorization: Bearer s3cret' http://127.0.0.1:7000/reset
  testbed serve echo --listen 127.0.0.1 --port 7/tcp=0 --port 7/udp=0
  testbed serve ftp --set user=me --set password=secret --port 21/tcp=2121`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f.logLevelSet = cmd.Flags().Changed("log-level")
			return a.serve(cmd.Context(), args[0], f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.listen, "listen", "", "address to listen on (default every interface)")
	fl.StringArrayVar(&f.ports, "port", nil, "`KEY=PORT`: listen on PORT instead of the kind's port KEY (like 80/tcp=8080; 0 = any free port)")
	fl.StringArrayVar(&f.sets, "set", nil, "`NAME=VALUE`: a kind option (testbed servers lists them)")
	fl.StringVar(&f.tlsCert, "tls-cert", "", "PEM certificate `FILE`")
	fl.StringVar(&f.tlsKey, "tls-key", "", "PEM key `FILE`")
	fl.StringVar(&f.allowDomain, "allow-domain", "", "proxy/socks: names in this domain are testbed destinations")
	fl.StringArrayVar(&f.allowNames, "allow-name", nil, "proxy/socks: a short name that is a testbed destination")
	fl.StringArrayVar(&f.allowNets, "allow-net", nil, `proxy/socks: a CIDR of testbed addresses, or "local"`)
	fl.StringVar(&f.allowNetwork, "allow-network", "", "proxy/socks: the engine network whose containers (by reverse DNS) are the only destinations; the gateway is refused")
	fl.DurationVar(&f.refusedRetry, "refused-retry", 0, "proxy/socks: dial a testbed destination that refuses again for this long (on a cluster, a Service the service proxy has not yet been told about refuses)")
	fl.StringVar(&f.control, "control", "", "`ADDR` of a control channel (POST /reset puts the server back to its seeded state); the token is $"+control.EnvToken)
	return cmd
}

func (a *app) serve(ctx context.Context, kindName string, f serveFlags) error {
	cat := catalog.New()
	kind, ok := cat.Kind(kindName)
	if !ok {
		return usagef("no built-in kind %q (have %s)", kindName, strings.Join(cat.Names(), ", "))
	}
	given := map[string]string{}
	for _, s := range f.sets {
		k, v, ok := strings.Cut(s, "=")
		if !ok {
			return usagef("--set %q: want NAME=VALUE", s)
		}
		given[k] = v
	}
	opts, err := kind.ResolveOptions(given)
	if err != nil {
		return &usageError{err}
	}
	if opts["public-clients"] == "gateway" {
		gw, err := hostnet.DefaultGateway()
		if err != nil {
			return err
		}
		opts["public-clients"] = netip.PrefixFrom(gw, 32).String()
	}
	override := map[string]int{}
	for _, s := range f.ports {
		k, v, ok := strings.Cut(s, "=")
		n, err := strconv.Atoi(v)
		if !ok || err != nil || n < 0 || n > 65535 {
			return usagef("--port %q: want KEY=PORT like 80/tcp=8080", s)
		}
		override[k] = n
	}
	tlsCfg, cleanup, err := a.serveTLS(f)
	if err != nil {
		return err
	}
	defer cleanup()
	policy, err := servePolicy(f)
	if err != nil {
		return err
	}
	log := a.log
	if !f.logLevelSet {
		// What a server serves is its log: logins, requests, refusals,
		// one line each, in a container as under the local driver.
		log = slog.New(slog.NewTextHandler(a.io.Err, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	policy.Logger = log
	var ctl net.Listener
	token := os.Getenv(control.EnvToken)
	if f.control != "" && token == "" {
		// Serving matters more than being resettable (a container made
		// from testbed's create options by another tool, without a token).
		fmt.Fprintf(a.io.Err, "testbed serve: no control token in $%s: serving without the control channel\n", control.EnvToken)
	} else if f.control != "" {
		if ctl, err = net.Listen("tcp", f.control); err != nil {
			return fmt.Errorf("control channel: %w", err)
		}
		defer ctl.Close()
	}
	ls, pcs, err := kind.Listen(f.listen, override)
	if err != nil {
		return err
	}
	var lines []string
	for k, l := range ls {
		lines = append(lines, fmt.Sprintf("%s %s on %s", kind.Name, k, l.Addr()))
	}
	for k, pc := range pcs {
		lines = append(lines, fmt.Sprintf("%s %s on %s", kind.Name, k, pc.LocalAddr()))
	}
	sort.Strings(lines)
	for _, l := range lines {
		fmt.Fprintf(a.io.Err, "testbed serve: %s\n", l)
	}
	// A server sits idle most of its life: once it has set up (the FTP
	// tree alone is 11 MiB), give the start-up garbage back to the OS, and
	// the pages of code only start-up ran.
	settled := time.AfterFunc(IdleTrimDelay, func() {
		debug.FreeOSMemory()
		trim.ExecutablePages()
	})
	defer settled.Stop()
	env := catalog.Env{Listeners: ls, Packets: pcs, Options: opts, TLS: tlsCfg, Dialer: policy, Logger: log}
	if ctl == nil {
		err = kind.Run(ctx, env)
	} else {
		err = runControlled(ctx, kind, env, ctl, token, log)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// runControlled runs kind on env, and serves the control channel on ctl
// until the kind stops: each POST /reset restarts the kind in its seed.
func runControlled(ctx context.Context, kind *catalog.Kind, env catalog.Env, ctl net.Listener, token string, log *slog.Logger) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	resets := make(chan chan<- error)
	ctlDone := make(chan error, 1)
	go func() {
		ctlDone <- control.Serve(ctx, ctl, token, func(rctx context.Context) error { return catalog.Reset(rctx, resets) }, log)
	}()
	err := kind.RunResettable(ctx, env, resets)
	cancel()
	return errors.Join(err, <-ctlDone)
}

// serveTLS finds the server certificate: files, the environment, or a
// throwaway CA made now, in a temporary directory that cleanup removes.
func (a *app) serveTLS(f serveFlags) (*tls.Config, func(), error) {
	cleanup := func() {}
	var certPEM, keyPEM []byte
	switch {
	case f.tlsCert != "" || f.tlsKey != "":
		var err error
		if certPEM, err = os.ReadFile(f.tlsCert); err != nil {
			return nil, nil, usagef("--tls-cert: %v", err)
		}
		if keyPEM, err = os.ReadFile(f.tlsKey); err != nil {
			return nil, nil, usagef("--tls-key: %v", err)
		}
	case os.Getenv(plan.EnvTLSCert) != "":
		certPEM, keyPEM = []byte(os.Getenv(plan.EnvTLSCert)), []byte(os.Getenv(plan.EnvTLSKey))
	default:
		dir, err := os.MkdirTemp("", "testbed-serve-ca-")
		if err != nil {
			return nil, nil, err
		}
		cleanup = func() { os.RemoveAll(dir) }
		ca, err := testca.LoadOrCreate(dir, "testbed serve throwaway CA")
		if err != nil {
			cleanup()
			return nil, nil, err
		}
		host, _ := os.Hostname()
		certPEM, keyPEM, err = ca.Issue("localhost", "127.0.0.1", "::1", host)
		if err != nil {
			cleanup()
			return nil, nil, err
		}
		fmt.Fprintf(a.io.Err, "testbed serve: TLS certificates signed by the throwaway CA %s\n", filepath.Join(dir, testca.CertFileName))
	}
	cfg, err := testca.ServerTLSConfig(certPEM, keyPEM)
	if err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("server certificate: %w", err)
	}
	return cfg, cleanup, nil
}

func servePolicy(f serveFlags) (*netpolicy.Policy, error) {
	p := &netpolicy.Policy{Domain: f.allowDomain, Names: f.allowNames, Network: f.allowNetwork, RefusedRetry: f.refusedRetry}
	for _, n := range f.allowNets {
		if n == "local" {
			nets, err := hostnet.LocalNets()
			if err != nil {
				return nil, err
			}
			p.Nets = append(p.Nets, nets...)
			if gw, err := hostnet.DefaultGateway(); err == nil {
				p.Deny = append(p.Deny, gw)
			}
			continue
		}
		pfx, err := netip.ParsePrefix(n)
		if err != nil {
			return nil, usagef("--allow-net %q: %v", n, err)
		}
		p.Nets = append(p.Nets, pfx)
	}
	return p, nil
}
