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
//	                           dockerfile_inline, args; an image name next to build is not
//	                           applied (warning): testbed tags the images it builds
//	command, entrypoint        argv lists (compose-go splits a string form into words;
//	                           no shell is involved)
//	environment, env_file      Server.Env (compose-go reads the env files)
//	hostname, domainname       Server.Hostname = hostname.domainname, also a network alias
//	ports                      Server.Ports; an empty, 0.0.0.0 or :: host IP becomes
//	                           127.0.0.1 (or ::1) unless Options.PublishAllInterfaces
//	                           (warning); other host IPs are kept
//	expose                     Server.Ports with Expose set: reachable on the network only
//	networks                   every server is on the one project network; aliases of
//	                           every network become Server.Aliases
//	links, external_links      "name[:alias]": the alias goes on the named server (a
//	                           service, or a service's container_name); links also make
//	                           a started dependency, as in compose
//	depends_on                 service_started -> started, service_healthy -> ready
//	                           (the dependency must have a healthcheck),
//	                           service_completed_successfully -> completed
//	healthcheck                Server.Health (test, retries; the interval is at most
//	                           500ms so testbed sees health quickly) and Ready = health
//	cap_add, cap_drop, user, working_dir, read_only, tmpfs, labels   as they are
//	volumes                    bind mounts (the source must exist; testbed does not
//	                           create host paths), named and anonymous volumes, tmpfs
//	restart                    only "no"
//	container_name             a warning: testbed names containers <project>-<service>
//	                           so parallel runs never collide; the name stays reachable
//	                           as a network alias
//	profiles, extends, include as compose-go applies them
//
// Keys that are harmless to ignore (stop_grace_period, stop_signal, logging,
// tty, stdin_open, init, pull_policy, resource limits, top-level networks)
// give a [Warning]. Every other key, at any depth, is an error that lists
// the unsupported keys per service, so nothing a file asks for is silently
// dropped.
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
