package ftpd

import "sort"

// commandSpec is how one verb is handled.
type commandSpec struct {
	run      func(s *session, arg string)
	needArg  bool // an empty argument answers 501
	preLogin bool // allowed before login
}

// commandTable maps verbs to their handlers. Verbs recognised but not
// implemented answer 502.
func commandTable() map[string]commandSpec {
	return map[string]commandSpec{
		// Login and security (cmd_login.go).
		"USER": {run: (*session).cmdUSER, needArg: true, preLogin: true},
		"PASS": {run: (*session).cmdPASS, preLogin: true},
		"REIN": {run: (*session).cmdREIN, preLogin: true},
		"QUIT": {run: (*session).cmdQUIT, preLogin: true},
		"AUTH": {run: (*session).cmdAUTH, needArg: true, preLogin: true},
		"PBSZ": {run: (*session).cmdPBSZ, needArg: true, preLogin: true},
		"PROT": {run: (*session).cmdPROT, needArg: true, preLogin: true},
		"ACCT": {run: notImplemented, preLogin: true},
		"CCC":  {run: notImplemented, preLogin: true},
		// Information and settings (cmd_info.go).
		"SYST": {run: (*session).cmdSYST, preLogin: true},
		"FEAT": {run: (*session).cmdFEAT, preLogin: true},
		"OPTS": {run: (*session).cmdOPTS, needArg: true, preLogin: true},
		"HELP": {run: (*session).cmdHELP, preLogin: true},
		"NOOP": {run: (*session).cmdNOOP, preLogin: true},
		"STAT": {run: (*session).cmdSTAT},
		"TYPE": {run: (*session).cmdTYPE, needArg: true},
		"MODE": {run: (*session).cmdMODE, needArg: true},
		"STRU": {run: (*session).cmdSTRU, needArg: true},
		"ALLO": {run: (*session).cmdALLO},
		"SITE": {run: notImplemented},
		"SMNT": {run: notImplemented},
		// Directories (cmd_dir.go).
		"PWD":  {run: (*session).cmdPWD},
		"XPWD": {run: (*session).cmdPWD},
		"CWD":  {run: (*session).cmdCWD},
		"XCWD": {run: (*session).cmdCWD},
		"CDUP": {run: (*session).cmdCDUP},
		"XCUP": {run: (*session).cmdCDUP},
		"MKD":  {run: (*session).cmdMKD, needArg: true},
		"XMKD": {run: (*session).cmdMKD, needArg: true},
		"RMD":  {run: (*session).cmdRMD, needArg: true},
		"XRMD": {run: (*session).cmdRMD, needArg: true},
		// Files (cmd_file.go).
		"DELE": {run: (*session).cmdDELE, needArg: true},
		"RNFR": {run: (*session).cmdRNFR, needArg: true},
		"RNTO": {run: (*session).cmdRNTO, needArg: true},
		"SIZE": {run: (*session).cmdSIZE, needArg: true},
		"MDTM": {run: (*session).cmdMDTM, needArg: true},
		"MFMT": {run: (*session).cmdMFMT, needArg: true},
		// Data connections (cmd_data.go).
		"PASV": {run: (*session).cmdPASV},
		"EPSV": {run: (*session).cmdEPSV},
		"PORT": {run: (*session).cmdPORT, needArg: true},
		"EPRT": {run: (*session).cmdEPRT, needArg: true},
		// Transfers (cmd_transfer.go, cmd_list.go).
		"REST": {run: (*session).cmdREST, needArg: true},
		"RETR": {run: (*session).cmdRETR, needArg: true},
		"STOR": {run: (*session).cmdSTOR, needArg: true},
		"APPE": {run: (*session).cmdAPPE, needArg: true},
		"STOU": {run: (*session).cmdSTOU},
		"ABOR": {run: (*session).cmdABOR, preLogin: true},
		"LIST": {run: (*session).cmdLIST},
		"NLST": {run: (*session).cmdNLST},
		"MLSD": {run: (*session).cmdMLSD},
		"MLST": {run: (*session).cmdMLST},
	}
}

// dispatch runs cmd, enforcing login and arguments.
func (s *session) dispatch(cmd command) {
	spec, ok := s.srv.commands[cmd.verb]
	if !ok {
		s.reply(500, "Unknown command.")
		return
	}
	if cmd.verb != "RNTO" {
		s.renameFrom = ""
	}
	switch {
	case !spec.preLogin && !s.loggedIn:
		s.reply(530, "Please login with USER and PASS.")
	case spec.needArg && cmd.arg == "":
		s.reply(501, "Syntax error in parameters or arguments.")
	default:
		spec.run(s, cmd.arg)
	}
}

func notImplemented(s *session, _ string) { s.reply(502, "Command not implemented.") }

// verbs lists the recognised verbs, sorted, for HELP.
func (s *session) verbs() []string {
	out := make([]string, 0, len(s.srv.commands))
	for v := range s.srv.commands {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}
