//go:build kubernetes

package kubernetes

import (
	"errors"
	"fmt"
	"strings"

	"github.com/testbed-dev/testbed/plan"
)

// ErrRefused is wrapped by the error for a spec this driver cannot run;
// nothing has been asked of the cluster when it is returned.
var ErrRefused = errors.New("not possible on the kubernetes driver")

// MaxObjectBytes bounds what a spec puts into one pod's environment and
// arguments, well under the API server's object size limit (1.5 MiB) and
// etcd's request limit.
const MaxObjectBytes = 512 << 10

// Check says why p cannot run on this driver, or nil. Up calls it before
// any API call; it reads nothing but p and the driver's options.
func (d *Driver) Check(p *plan.Plan) error {
	var errs []error
	refuse := func(server, format string, args ...any) {
		errs = append(errs, fmt.Errorf("server %s: %s (%w)", server, fmt.Sprintf(format, args...), ErrRefused))
	}
	var builtins []string
	for _, st := range p.Steps() {
		srv := st.Server
		name := srv.Name
		switch {
		case srv.Build != nil:
			refuse(name, "build: images are not built on a cluster; build and push the image to a registry the cluster pulls from, and name it with image:")
		case srv.Builtin != "" && d.image == "":
			builtins = append(builtins, name)
		case srv.Image != "" && strings.ContainsAny(srv.Image, " \t\r\n"):
			refuse(name, "image %q: not an image reference", srv.Image)
		}
		if len(srv.Files) > 0 && srv.Builtin == "" {
			refuse(name, "files: are copied into an image by a build, which a cluster does not do; put them into the image you push")
		}
		for _, v := range srv.Volumes {
			refuse(name, "volume %s -> %s: host paths and engine volumes do not exist on a cluster", v.Source, v.Target)
		}
		if srv.User != "" && !st.Hardened {
			if _, err := userContext(srv.User); err != nil {
				refuse(name, "%v", err)
			}
		}
		for _, e := range srv.ExtraHosts {
			if e.IP == "host-gateway" {
				refuse(name, "extra host %s: host-gateway has no meaning on a cluster", e.Name)
			}
		}
		size := 0
		for k, v := range st.Env {
			size += len(k) + len(v)
		}
		for _, a := range append(append([]string{}, st.Command...), srv.Entrypoint...) {
			size += len(a)
		}
		if size > MaxObjectBytes {
			refuse(name, "environment and command are %d bytes, more than the %d a pod may carry here", size, MaxObjectBytes)
		}
	}
	if len(builtins) > 0 {
		errs = append(errs, fmt.Errorf("built-in servers (%s) need the built-in image in a registry the cluster pulls from: push it and name it with %s (%w)",
			strings.Join(builtins, ", "), EnvImage, ErrRefused))
	}
	return errors.Join(errs...)
}
