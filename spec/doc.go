package spec

// Other formats a [Testbed] can come from, as in [Testbed.Format].
const (
	FormatLegacy  = "legacy"  // a directory of per-server JSON files
	FormatCompose = "compose" // docker-compose.yml / compose.yaml
	FormatBuiltin = "builtin" // the built-in default testbed
)

// FormatNative is testbed's own spec file, read by [Load] and [Parse].
// The file is YAML; JSON is YAML too, so testbed.json works the same way and
// errors name the same lines. Unknown keys are errors, and so is a second
// YAML document in the file. Top-level keys starting with "x-" are ignored, so
// they can hold YAML anchors that servers merge with "<<: *anchor".
//
//	name: mytests                 # optional project name hint: [a-z0-9][a-z0-9_-]*, at most 63
//	domain: testbed.test          # optional DNS domain, default testbed.test
//	servers:                      # name -> server, order kept; names are DNS labels
//	  web:   {builtin: http, options: {user: u, password: p}}
//	  files:
//	    build: {context: ./ftp, dockerfile: Dockerfile, args: {K: V}}   # or build: ./ftp
//	    ports: [21, "30000-30009", "53/udp", {port: 8080, host_port: 18080, host_ip: 127.0.0.1}]
//	    ready: {banner: {port: 21, expect: "^220 "}}
//	  app:
//	    image: example/app:1.2     # [registry/]repo[:tag][@sha256:digest], lowercase repo
//	    pull: false                # the image may be pulled when missing
//	    command: [app, --flag]     # argv lists only; no shell ever runs them
//	    entrypoint: [/app]
//	    env: {UPSTREAM: web.testbed.test}       # or a list of "KEY=VALUE"
//	    files: [{src: ./ca.pem, dst: /etc/ssl/ca.pem, mode: "0644"}]
//	    aliases: [www]
//	    depends_on: [web]          # or {web: {condition: ready|started|completed}}
//	    ready: {http: {port: 8080, path: /healthz, status: 200}}
//	    timeout: 30s
//	    hostname: app.example.test
//	    user: "1000:1000"
//	    working_dir: /srv
//	    read_only: true
//	    tmpfs: [/tmp, "/run:size=1m"]
//	    cap_add: [NET_ADMIN]
//	    cap_drop: [ALL]
//	    volumes: [{type: bind, source: ./x, target: /x, read_only: true}, "./y:/y:ro", "data:/data"]
//	    labels: {com.example.team: qa}          # keys must not start with "testbed."
//	    healthcheck: {test: [/bin/check, --quick], interval: 2s, retries: 5}
//	    resources: {memory: 512m, cpus: 1.5, pids: 128}   # bytes or k/m/g; built-ins: 256m and 256 pids unless set
//	    reset: recreate    # what a reused testbed does to it: recreate (default), restart or none
//
// Exactly one of builtin, image and build says what a server runs. Options
// belong to builtin kinds only. Relative paths (build context, file sources,
// bind-mount sources) are relative to the spec file's directory and must
// exist. File modes are octal digits ("644", "0644", "0o644", or a YAML
// number read as octal digits) up to 0777. Durations are Go durations
// ("500ms", "30s", "2m"), above 0 and at most 1h.
//
// Ports are a number, "PORT[/PROTO]", "LO-HI[/PROTO]" (at most 1000 ports),
// "[HOST_IP:][HOST_PORT:]PORT[/PROTO]" (an IPv6 HOST_IP in brackets), or a
// mapping {port, proto, host_ip, host_port}. PROTO is tcp (default) or udp.
//
// A readiness probe (ready:) sets exactly one of:
//
//	tcp: 8080 | {port: 8080}                  # a TCP connection succeeds
//	tls: 8443 | {port: 8443}                  # a TLS handshake succeeds
//	echo: 7 | {port: 7}                       # a line written comes back
//	http: 8080 | {port: 8080, path: /healthz, status: 200, tls: false}
//	banner: {port: 21, expect: "^220 ", send: "", tls: false}   # expect is a regexp
//	exec: [cmd, arg] | {command: [cmd, arg]}  # exits 0 inside the server
//	log: "pattern" | {pattern: "ready"}       # a line of output matches
//	health: true                              # the engine healthcheck says healthy
//	exited: true                              # the container exited with status 0
//	all: [probe, ...]                         # every probe passes
//	any: [probe, ...]                         # one probe passes
const FormatNative = "native"
