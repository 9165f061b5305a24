//go:build kubernetes

// Package kubernetes runs testbed servers as pods on a Kubernetes cluster
// through client-go, for CI that runs in pods with no Docker engine and for
// farms that outgrow one engine. It is the driver `--driver kubernetes`
// and testbed.WithDriver("kubernetes") select.
//
// What a project becomes on the cluster:
//
//   - a Namespace of its own, named by [Namespace] ("testbed-<project>-<hash>"),
//     labelled testbed.project, testbed.owner, testbed.spec-hash and, once
//     `up` leaves it on purpose, testbed.kept; the exact values (an owner
//     has '/' in it, a spec hash is 64 characters) are annotations of the
//     same names, and labels hold a label-safe form for selection. Removing
//     the project deletes the namespace, and with it everything in it.
//   - a Pod per server (restartPolicy Never, so an exit is seen as on the
//     docker driver), named after the server. One pod per server, not per
//     group: servers start in dependency order, are probed, reset and
//     removed one at a time, as on every other driver.
//   - a ClusterIP Service per server, made before any pod starts so that
//     its address is known: every pod gets hostAliases that map the other
//     servers' names (short name, <server>.<domain>, aliases) to their
//     Services' addresses, whatever order the pods start in and without
//     cluster DNS. (Headless services would need the pods' addresses, which
//     exist only once each pod runs, so servers that start in parallel
//     could not name each other.) This needs the cluster's service proxy
//     (kube-proxy or its equivalent), which every conformant cluster has.
//   - a Secret per server with its certificate, key and control token,
//     which the pod reads as environment (never in the pod spec).
//
// Built-in servers run with the same hardening as on the docker driver:
// non-root (the built-in user), a read-only root filesystem with an
// emptyDir /tmp, every capability dropped but NET_BIND_SERVICE, no
// privilege escalation, seccompProfile RuntimeDefault, the safe sysctl
// net.ipv4.ip_unprivileged_port_start=0, and the same default memory and
// process limits. Their image is the built-in image pushed to a registry
// the cluster pulls from, named by [Options.Image] or $TESTBED_K8S_IMAGE;
// image servers use their image as is; build servers are refused before
// anything is made (building in the cluster is out of scope).
//
// Readiness and endpoints: outside the cluster, this process forwards
// 127.0.0.1 ports to each pod's ports through the API server's port-forward
// (SPDY), runs the same readiness probes as the docker driver against
// them, and hands those addresses out as endpoints; they live as long as
// this process (a library Start, `testbed run`). Inside the cluster
// ([Options.InCluster], $TESTBED_K8S_IN_CLUSTER=1, or a service account
// and no kubeconfig) the probes dial the pods directly and the endpoints
// are the Services' DNS names.
package kubernetes

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/testbed-dev/testbed/engine"
	"github.com/testbed-dev/testbed/lifecycle"
)

// Name is the driver's name in endpoints and in --driver.
const Name = "kubernetes"

// Environment variables the driver reads.
const (
	// EnvImage names the built-in server image in a registry the cluster
	// pulls from ("registry.example:5000/testbed/builtin:v1").
	EnvImage = "TESTBED_K8S_IMAGE"
	// EnvInCluster set to 1 makes endpoints the Services' DNS names and
	// probes dial pods directly (testbed runs in a pod of the cluster);
	// 0 forces port-forwarding even where a service account is mounted.
	EnvInCluster = "TESTBED_K8S_IN_CLUSTER"
	// EnvPullPolicy sets the pods' imagePullPolicy (Always, IfNotPresent,
	// Never); "" leaves the cluster's default.
	EnvPullPolicy = "TESTBED_K8S_PULL_POLICY"
)

// CallTimeout bounds one API call that should be quick.
const CallTimeout = 30 * time.Second

// PollInterval is how often a pod's state is read while waiting for it.
const PollInterval = 250 * time.Millisecond

// ClientQPS is the API requests a second the driver allows itself (twice
// that in bursts) when the kubeconfig sets no limit.
const ClientQPS = 50

// RemoveTimeout bounds waiting for a deleted namespace to be gone.
const RemoveTimeout = 2 * time.Minute

// ErrUnavailable means no cluster configuration was found or no API server
// answered.
var ErrUnavailable = errors.New("no Kubernetes cluster answers")

// Options configure the driver.
type Options struct {
	Logger *slog.Logger
	// Image is the built-in server image; "" = $TESTBED_K8S_IMAGE. A spec
	// with built-in servers is refused without one.
	Image string
	// InCluster: endpoints are Service DNS names and probes dial pods
	// directly. nil = $TESTBED_K8S_IN_CLUSTER, else true exactly when the
	// configuration came from the pod's service account.
	InCluster *bool
	// PullPolicy is the pods' imagePullPolicy; "" = $TESTBED_K8S_PULL_POLICY
	// or the cluster's default.
	PullPolicy string
	// Client and Config replace the ones from kubeconfig (tests use a fake
	// clientset; Config may then be nil, and port-forward and exec fail).
	Client kubernetes.Interface
	Config *rest.Config
	// Dialer opens a stream to a pod's port; nil = the API server's
	// port-forward. Tests put a local listener behind it.
	Dialer PodDialer
}

// Driver is the Kubernetes driver.
type Driver struct {
	cs        kubernetes.Interface
	cfg       *rest.Config
	log       *slog.Logger
	image     string
	pull      string
	inCluster bool
	dialer    PodDialer

	mu       sync.Mutex
	reached  bool                         // the API server answered once
	services map[string]map[string]string // namespace -> server -> ClusterIP, made by Prepare
	fwd      map[string]*podForward       // namespace/pod -> this process's forwards
}

var (
	_ engine.Driver    = (*Driver)(nil)
	_ engine.Resetter  = (*Driver)(nil)
	_ engine.Checker   = (*Driver)(nil)
	_ lifecycle.Engine = (*Driver)(nil)
)

// New reads the configuration of the cluster of the kubeconfig
// ($KUBECONFIG, ~/.kube/config) or, without one, of the pod's service
// account. It asks the cluster nothing: the first operation checks that
// its API server answers, after [Driver.Check] has had its say.
func New(ctx context.Context, o Options) (*Driver, error) {
	d := &Driver{cs: o.Client, cfg: o.Config, log: o.Logger, image: o.Image, pull: o.PullPolicy, dialer: o.Dialer,
		services: map[string]map[string]string{}, fwd: map[string]*podForward{}}
	if d.log == nil {
		d.log = slog.New(slog.DiscardHandler)
	}
	if d.image == "" {
		d.image = os.Getenv(EnvImage)
	}
	if d.pull == "" {
		d.pull = os.Getenv(EnvPullPolicy)
	}
	switch d.pull {
	case "", "Always", "IfNotPresent", "Never":
	default:
		return nil, fmt.Errorf("image pull policy %q: want Always, IfNotPresent or Never", d.pull)
	}
	fromServiceAccount := false
	if d.cs == nil {
		cfg, sa, err := loadConfig()
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		fromServiceAccount = sa
		cfg.UserAgent = "testbed"
		if cfg.QPS == 0 {
			// client-go's default (5 a second, bursts of 10) throttles
			// one up: every starting pod is read 4 times a second, and
			// probes and forwards come on top.
			cfg.QPS, cfg.Burst = ClientQPS, 2*ClientQPS
		}
		cs, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
		}
		d.cs, d.cfg = cs, cfg
	}
	switch {
	case o.InCluster != nil:
		d.inCluster = *o.InCluster
	case os.Getenv(EnvInCluster) == "1":
		d.inCluster = true
	case os.Getenv(EnvInCluster) == "0":
	default:
		d.inCluster = fromServiceAccount
	}
	if d.dialer == nil && !d.inCluster {
		d.dialer = &spdyDialer{cfg: d.cfg, cs: d.cs}
	}
	return d, nil
}

// loadConfig reads the kubeconfig the usual way (KUBECONFIG, then
// ~/.kube/config) and falls back to the pod's service account; sa says it
// did.
func loadConfig() (cfg *rest.Config, sa bool, err error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{})
	cfg, kerr := cc.ClientConfig()
	if kerr == nil {
		return cfg, false, nil
	}
	cfg, ierr := rest.InClusterConfig()
	if ierr == nil {
		return cfg, true, nil
	}
	return nil, false, fmt.Errorf("no kubeconfig (%v) and not in a cluster (%v)", kerr, ierr)
}

// Name implements engine.Driver.
func (d *Driver) Name() string { return Name }

// InCluster reports whether endpoints are Service names (testbed runs in
// the cluster) rather than forwarded 127.0.0.1 ports.
func (d *Driver) InCluster() bool { return d.inCluster }

// Close implements engine.Driver: it stops this process's port forwards.
func (d *Driver) Close() error {
	d.mu.Lock()
	fwd := d.fwd
	d.fwd = map[string]*podForward{}
	d.mu.Unlock()
	for _, f := range fwd {
		f.close()
	}
	return nil
}

// reach checks once that the API server answers, so that a cluster that
// is not there is said in those words, not as the first call's error.
func (d *Driver) reach(ctx context.Context) error {
	d.mu.Lock()
	done := d.reached || d.cfg == nil // a given client (tests) is there
	d.mu.Unlock()
	if done {
		return nil
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := d.cs.Discovery().RESTClient().Get().AbsPath("/version").Do(pctx).Raw(); err != nil {
		return fmt.Errorf("%w: API server %s: %v", ErrUnavailable, d.cfg.Host, err)
	}
	d.mu.Lock()
	d.reached = true
	d.mu.Unlock()
	return nil
}

// callCtx bounds one quick API call.
func callCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, CallTimeout)
}
