// Package project is testbed's core: a testbed on a driver. The CLI and the
// Go library are two thin front ends over it; neither knows which driver it
// talks to, nor what a state directory holds.
//
//	s, _ := project.Load(ctx, project.LoadOptions{File: "testbed.yaml"})
//	p, _ := project.Open(ctx, project.Options{Driver: "auto"})  // docker, local, ...
//	res, _ := p.Up(ctx, s, project.UpOptions{Keep: true})      // lock, plan, diff, start, keep
//	m, _ := p.Endpoints(ctx, s.Project)                         // read from the driver
//	_ = p.Down(ctx, s.Project, project.DownOptions{})           // kept marker first
//
// # What it owns
//
//   - Open: the driver (auto = docker when an engine answers, else local),
//     chosen through a registry of openers, so a new driver is one entry
//     here and a new engine.Driver, and touches no command.
//   - Load: the spec, validated, the servers asked for, the project name.
//   - Up: the project's lock, the content hashes of every server's files,
//     a pure plan (plan.New), then a diff against what the driver says is
//     there: servers whose content hash changed or that are gone are
//     (re)made, the rest stay; the driver starts only those.
//   - Down (all or some servers), Status (ps), Endpoints (env), Logs, Exec,
//     Reap: each one call or two on the driver.
//   - The state layout: <state>/<project>/ holds the project CA (what no
//     engine keeps) and endpoints.json, a cache that is rewritten from the
//     driver whenever they differ. What is up is always read from the
//     driver's labels.
//
// # The lock, and owners' liveness
//
// Every up, down and reap of a project takes an exclusive file lock,
// <lock dir>/<project>.lock (owner.Lock: flock; the lock dir is
// $XDG_RUNTIME_DIR/testbed/locks, else ~/.cache/testbed/locks, the same
// for every --state-dir). A second up of the project while the first holds
// it fails at once, before it touches anything, with "being brought up by
// another run (pid N)" and exit status 2. The kernel releases the lock when
// its holder dies, so a killed run never leaves it held.
//
// A run that owns servers for its whole life (the library's Start, `run`)
// holds the lock until it takes them down, and its owner label
// (testbed.owner) names the lock file (device and inode) besides host, pid,
// start time and pid namespace. reap takes the lock too: held means a live
// run works on the project; free means none does, and the owner is judged
// by owner.Owner.Judge (the lock file first, then the pid when it is in
// this pid namespace, else "cannot tell", which spares it). A run inside
// `unshare --pid` is thus never reaped while alive, and is once it dies.
package project
