// Package supervisor keeps a local-driver testbed running after `testbed up`
// has returned: one detached process per project (the testbed command's
// hidden `supervise` subcommand, in a session of its own) holds the servers
// in-process and records itself in the project's state directory.
//
// The pieces, in the order they are used:
//
//   - [Spawn], in `testbed up`: starts the supervisor with its output going
//     to supervisor.log in the state directory and a pipe on fd 3, and waits
//     on that pipe for one message: ready (with the endpoints) or failed
//     (with the error). Then it returns, and the supervisor lives on.
//   - [Serve], in the supervisor: brings the plan up on a local engine,
//     writes endpoints.json and its [Record] (supervisor.json: pid, process
//     start time, owner), reports on fd 3, and serves until it is signalled
//     or its record disappears (someone removed the state directory), then
//     stops every server and removes what it wrote.
//   - [Stop], in `testbed down`: signals the supervisor (SIGTERM, SIGKILL
//     after a grace period), waits until the process is gone and every
//     port of endpoints.json refuses connections.
//   - [Scan], in `testbed reap`: finds the records of supervisors that are
//     gone (killed, crashed, the machine rebooted), whose state is stale.
//
// A process is identified by its pid and its start time (package owner), so
// a pid reused by another program is never signalled.
package supervisor
