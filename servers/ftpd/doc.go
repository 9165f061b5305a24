// Package ftpd is testbed's built-in FTP server, modelled on vsftpd, for
// testing FTP clients.
//
// A [Server] lays out a fixed tree when it is made ([New]) and serves FTP on
// every listener handed to [Server.Serve]:
//
//   - anonymous users ("anonymous" or "ftp", any password) see /pub with
//     readable files (hello.txt, README, empty.txt, 1MiB.bin, 10MiB.bin,
//     SHA256SUMS, dir/nested.txt) and /pub/file-not-readable.txt, whose RETR
//     answers 550; they may upload (STOR, APPE, MKD) under /upload only;
//   - each configured user logs into a home of its own (home/<login> under
//     [Options.Root], shown to the user as "/") that it may fully modify.
//
// Every path is confined to the user's root: ".." is resolved virtually and
// file system access goes through [os.Root], so symbolic links cannot escape
// either. Unreadability is a rule of the server, not of the operating system,
// so it holds when the server runs as root.
//
// Data connections are passive (PASV, EPSV, optionally restricted to
// [Options.PassivePorts] and advertised as [Options.PassiveHost] to
// [Options.PublicClients]) or active (PORT, EPRT, back to the client's own
// address only). With [Options.TLS] the server offers explicit FTPS (AUTH TLS,
// PBSZ, PROT P).
package ftpd
