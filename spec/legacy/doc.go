// Package legacy loads a directory of legacy per-server JSON test-server
// configs into testbed's model, the format of the script testbed replaces.
//
// # Layout
//
// A directory D holds an optional base file D/config.json and one folder per
// server, D/<folder>/config.json. Folders without a config.json are ignored.
// Servers come in folder-name order. Relative paths resolve against the
// folder of the JSON file that names them.
//
//	D/config.json         {"image": "testbed-test/busybox:local", "maintainer": "QA <qa@example.test>"}
//	D/web/config.json     {"port": 8080, "copy": [{"src": "index.html", "dst": "/srv/www/index.html", "mode": "644"}]}
//	D/proxy/config.json   {"module": "proxy", "backend": "web", "port": [3128], "ensure": "proxy"}
//
// # Keys
//
//	version               base image ubuntu:<version>; a tag like "22.04"
//	image                 (testbed extension) a full base image reference, used instead of
//	                      ubuntu:<version>; a file may not set both
//	maintainer            the image label "maintainer"
//	update                true: apt's package lists are updated before install, in the same
//	                      RUN (one layer, so the lists are never older than the install)
//	install               packages, a space-separated string or a list; each is what apt-get
//	                      install takes: NAME[:ARCH][=VERSION|/RELEASE], NAME a Debian package
//	                      name (^[a-z0-9][a-z0-9+.-]+$), like "curl=7.81.0-1ubuntu1.15",
//	                      "libssl3:amd64", "tzdata/jammy-updates". They are installed with
//	                      RUN ["apt-get","install","-y","--",packages...]; with update,
//	                      RUN ["/bin/sh","-c","apt-get update && exec apt-get install -y -- \"$@\"","sh",packages...]
//	                      (a constant script: the packages are its arguments, never script
//	                      text). Either runs with the build argument
//	                      DEBIAN_FRONTEND=noninteractive, so no debconf prompt stalls the
//	                      build (it is not in the running server's environment)
//	copy                  [{src, dst, mode}]: files (or directories) copied into the image
//	                      through the build context, byte-exact; mode is octal digits as a
//	                      string or number ("640", "0640", 755); dst ending in "/" means
//	                      dst + the source's base name; src, dst and mode must pass
//	                      spec.CheckFile, the native format's rule for files (dst absolute,
//	                      clean, only A-Z a-z 0-9 / . _ - + @)
//	docker_build_command  Dockerfile lines (a string or a list, one instruction per entry),
//	                      appended verbatim: they are trusted Dockerfile text. Refused: FROM,
//	                      ADD of a URL, COPY/ADD --from and RUN --mount from=... (they would
//	                      fetch images or files), line continuations, control characters
//	link                  server name(s): started (and ready) first; every server already
//	                      resolves as <name> and <name>.<domain> on the project network
//	backend               server name(s): like link, and the backend also gets the alias
//	                      <backend>.<domain>, the host FQDN the old script linked it under
//	port                  a port or a list: published on 127.0.0.1, on a random host port
//	                      or the same port with --bind-local / TESTSERVER_BIND_LOCAL
//	ensure                readiness: the exec probe ["/post_startup.py", <ensure words>,
//	                      "-c", "60"] run in the server (words split on white space, or a
//	                      list taken word for word; never a shell), retried until the timeout
//	module                the server's name (default: the folder name); a DNS label
//	domain                (testbed extension, base file only) the DNS domain every server is
//	                      named in (<server>.<domain>), default testbed.test; the Qt setups
//	                      use "test-net.qt.local"
//
// The base file may set version, image, maintainer, update, install, copy,
// docker_build_command, port, ensure and domain; link, backend and module
// belong to servers only, domain to the base file only. A server's version, image, maintainer, update, port and
// ensure replace the base file's; install, copy and docker_build_command
// add to it, the base file's first (a server's copy to the same dst
// replaces the base file's). Unknown keys and duplicate keys are errors.
// Values the native format also has (files, ports, the ensure words, text
// like the maintainer) are held to spec's own rules, so a directory Load
// accepts passes [spec.Testbed.Validate] too.
//
// # What a server becomes
//
// Each server is built from an inline Dockerfile (FROM, LABEL, RUN lines
// and the build commands; the image builder adds the files itself), with
// the server's folder as the build context. The base image must exist on
// the engine unless pulling is allowed. The server's image runs its own CMD
// and ENTRYPOINT (a docker_build_command line may set them).
package legacy
