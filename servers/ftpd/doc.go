// Package ftpd is testbed's built-in FTP server, modelled on vsftpd, for
// testing FTP clients.
//
// A [Server] lays out a fixed tree when it is made ([New]) and serves FTP on
// every listener handed to [Server.Serve]:
//
//   - anonymous users ("anonymous" or "ftp", any password) see /pub with
//     readable files (hello.txt, README, empty.txt, 1MiB.bin, 10MiB.bin,
//     SHA256SUMS, dir/nested.txt) and /pub/file-not-readable.txt, whose RETR
//     answers 550; they may upload (STOR, STOU, APPE, MKD) under /upload only;
//   - each configured user logs into a home of its own (home/<login> under
//     [Options.Root], shown to the user as "/") that it may fully modify.
//
// Every path is confined to the user's root: ".." is resolved virtually and
// file system access goes through [os.Root], so symbolic links cannot escape
// either. Unreadability is a rule of the server, not of the operating system,
// so it holds when the server runs as root.
//
// LIST, NLST and STAT take ls-style options ("-la", ignored) and a path, or
// a glob in the path's last element with [path.Match] syntax ("LIST *.txt",
// "NLST pub/?MiB.bin"). As with vsftpd, a glob that matches nothing is an
// empty listing ending in 226, and NLST sends the names a glob matched with
// the glob's directory in front ("pub/1MiB.bin"), ready for RETR; a path or
// a glob's directory that does not exist answers 550 (vsftpd sends an empty
// listing then too). STOU stores under a name no file has yet: its argument,
// or the argument (or "STOU") followed by ".1", ".2"..., named in the 150
// reply as "FILE: name" (RFC 1123 4.1.2.9).
//
// Data connections are passive (PASV, EPSV, optionally restricted to
// [Options.PassivePorts] and advertised as [Options.PassiveHost] to
// [Options.PublicClients]) or active (PORT, EPRT, back to the client's own
// address only). With [Options.TLS] the server offers explicit FTPS (AUTH TLS,
// PBSZ, PROT P).
package ftpd
