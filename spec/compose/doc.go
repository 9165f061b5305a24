// Package compose loads docker-compose files (docker-compose.yml,
// compose.yaml) into testbed's model with compose-go, so interpolation,
// .env files, profiles, extends and local includes behave as in docker
// compose. Loading stays offline: only local files are read, nothing is
// pulled.
//
// # Mapping
//
//	image                      Server.Image (must exist locally unless pulling is allowed)
//	build                      Server.Build: context (a local directory), dockerfile,
//	                           dockerfile_inline, args, target (the stage to build); a
//	                           dockerfile outside the context (as Qt's shared one, named
//	                           through ${SHARED_DATA}) is Build.ExternalDockerfile, which the
//	                           image builder sends along with the context; an image name
//	                           next to build is not applied (warning): testbed tags the
//	                           images it builds
//	command, entrypoint        argv lists (compose-go splits a string form into words;
//	                           no shell is involved)
//	environment, env_file      Server.Env (compose-go reads the env files)
//	hostname, domainname       Server.Hostname (short) and Server.Domainname, as compose
//	                           sets them; the full name ([spec.Server.FQDN]) is also a
//	                           network alias
//	ports                      Server.Ports; an empty, 0.0.0.0 or :: host IP becomes
//	                           127.0.0.1 (or ::1) unless Options.PublishAllInterfaces
//	                           (warning); other host IPs are kept
//	expose                     Server.Ports with Expose set: reachable on the network only,
//	                           never published, not waited for
//	networks                   every server is on the one project network; aliases of
//	                           every network become Server.Aliases
//	network_mode               "bridge": the project network (warning); host, none,
//	                           service:X and container:X are refused, each with why
//	links, external_links      "name[:alias]": the alias goes on the named server (a
//	                           service, or a service's container_name) and resolves on the
//	                           whole project network (compose scopes it to the linking
//	                           container; testbed's network has DNS aliases only, never
//	                           legacy links), so one alias naming two servers is an error;
//	                           links also make a started dependency, as in compose
//	depends_on                 service_started -> started, service_healthy -> ready
//	                           (the dependency must have a healthcheck),
//	                           service_completed_successfully -> completed
//	healthcheck                Server.Health (test, retries, timeout, start_period; the
//	                           interval is at most 500ms so testbed sees health quickly;
//	                           start_interval is ignored with a warning) and Ready = health
//	extra_hosts                Server.ExtraHosts (name -> IP or host-gateway)
//	platform                   Server.Platform
//	deploy.resources.limits    Server.Resources (memory, cpus, pids); so are mem_limit,
//	                           cpus and pids_limit; reservations are ignored (warning)
//	secrets, configs           file-based ones become read-only bind mounts at
//	                           /run/secrets/NAME and /NAME, or the given target (a relative
//	                           secret target is below /run/secrets); uid, gid and mode are
//	                           ignored (warning); environment, content and external ones
//	                           are refused
//	cap_add, cap_drop, user, working_dir, read_only, tmpfs, labels   as they are
//	volumes                    bind mounts (the source must exist; testbed does not
//	                           create host paths), named and anonymous volumes (with
//	                           volume.nocopy), tmpfs
//	restart                    ignored with a warning: servers live for one run
//	container_name             a warning: testbed names containers <project>-<service>
//	                           so parallel runs never collide; the name stays reachable
//	                           as a network alias
//	profiles, extends, include as compose-go applies them
//
// Keys that are harmless to ignore (stop_grace_period, stop_signal, logging,
// tty, stdin_open, init, pull_policy, mem_reservation, cpu_shares,
// memswap_limit, top-level networks) give a [Warning]. Every other key, at
// any depth, is an error that lists the unsupported keys per service, so
// nothing a file asks for is silently dropped.
//
// # Messages
//
// Errors name the file, line and (where known) column, the service and the
// field: a YAML syntax error is placed at the mistake, not at the start of
// the enclosing mapping; a key compose does not know gets a "did you mean"
// from compose-go's schema for that level; a version 1 file (services at the
// top level) and a file whose services are all behind profiles get a hint;
// a required variable (${X:?msg}) is reported where it is required. compose-go's
// own log lines are captured, never printed, and come back as warnings,
// once each: an unset variable is placed at its first use.
//
// Before compose-go reads them, the files given to [Load] are checked as
// YAML (an anchor that contains itself, excessive aliasing and duplicate
// keys are refused: compose-go can spend a long time on the first) and for
// port ranges of more than [spec.MaxPortRange] ports, which compose-go
// would expand port by port. The process environment is never read for
// interpolation: pass it in [Options.Env].
//
// Every error names the compose file (with the line where known), the
// service and the field. Where compose-go's own message says neither (a
// short-syntax port or volume it cannot parse, an env_file, label_file,
// extends or include file it cannot read), Load finds the entry at fault
// and says where it is.
package compose
