package ftpd

import (
	"fmt"
	"strings"
)

func (s *session) cmdSYST(string) { s.reply(215, "UNIX Type: L8") }
func (s *session) cmdNOOP(string) { s.reply(200, "NOOP ok.") }

// cmdFEAT lists the extensions (RFC 2389).
func (s *session) cmdFEAT(string) {
	var feats []string
	if s.srv.tls != nil {
		feats = append(feats, "AUTH TLS", "PBSZ", "PROT")
	}
	feats = append(feats,
		"EPRT",
		"EPSV",
		"MDTM",
		"MFMT",
		"MLST "+mlstFeature(s.mlstFacts),
		"PASV",
		"REST STREAM",
		"SIZE",
		"TVFS",
		"UTF8",
	)
	s.replyLines(211, "Features:", feats, "End")
}

func (s *session) cmdOPTS(arg string) {
	name, value, _ := strings.Cut(arg, " ")
	switch strings.ToUpper(name) {
	case "UTF8":
		switch strings.ToUpper(strings.TrimSpace(value)) {
		case "ON", "":
			s.reply(200, "Always in UTF8 mode.")
		case "OFF":
			s.reply(200, "UTF8 mode stays on; names are sent as stored.")
		default:
			s.reply(501, "Option not understood.")
		}
	case "MLST":
		s.mlstFacts = selectMLSTFacts(value)
		s.reply(200, "MLST OPTS %s", mlstSelected(s.mlstFacts))
	default:
		s.reply(501, "Option not understood.")
	}
}

func (s *session) cmdHELP(string) {
	verbs := s.verbs()
	var lines []string
	for i := 0; i < len(verbs); i += 8 {
		lines = append(lines, strings.Join(verbs[i:min(i+8, len(verbs))], " "))
	}
	s.replyLines(214, "The following commands are recognized.", lines, "Help OK.")
}

// cmdSTAT without argument reports the session; with one it lists a path,
// or what a glob matches, over the control connection (RFC 959).
func (s *session) cmdSTAT(arg string) {
	if arg == "" {
		control, data := "plain text", "plain text"
		if s.tlsOn {
			control = "TLS"
		}
		if s.protected {
			data = "TLS"
		}
		s.replyLines(211, "FTP server status:", []string{
			"Connected to " + s.raw.RemoteAddr().String(),
			"Logged in as " + s.login,
			"TYPE: " + s.modeName(),
			fmt.Sprintf("Session timeout in seconds is %d", int(s.srv.idleTimeout.Seconds())),
			"Control connection is " + control,
			"Data connections will be " + data,
		}, "End of status")
		return
	}
	entries, _, ok := s.matchEntries(arg)
	if !ok {
		s.reply(550, "No such file or directory.")
		return
	}
	s.replyLines(213, "Status follows:", s.lsLines(entries), "End of status")
}

// cmdTYPE switches between ASCII (the default, RFC 959) and binary.
func (s *session) cmdTYPE(arg string) {
	t := strings.Fields(strings.ToUpper(arg))
	switch {
	case len(t) == 0:
		s.reply(501, "Syntax error in parameters or arguments.")
	case t[0] == "I" && len(t) == 1, t[0] == "L" && len(t) == 2 && t[1] == "8":
		s.binary = true
		s.reply(200, "Switching to Binary mode.")
	case t[0] == "A" && (len(t) == 1 || len(t) == 2 && t[1] == "N"):
		s.binary = false
		s.reply(200, "Switching to ASCII mode.")
	default:
		s.reply(504, "Unrecognised TYPE command.")
	}
}

func (s *session) cmdMODE(arg string) {
	if strings.EqualFold(strings.TrimSpace(arg), "S") {
		s.reply(200, "Mode set to S.")
		return
	}
	s.reply(504, "Bad MODE command.")
}

func (s *session) cmdSTRU(arg string) {
	if strings.EqualFold(strings.TrimSpace(arg), "F") {
		s.reply(200, "Structure set to F.")
		return
	}
	s.reply(504, "Bad STRU command.")
}

func (s *session) cmdALLO(string) { s.reply(202, "ALLO command ignored.") }
