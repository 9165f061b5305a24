package ftpd

import (
	"bytes"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{
		"USER anonymous\r\n", "PASV", "CWD  two  spaces \r\n", "\xff\xf4\xff\xf2ABOR\r\n",
		"RETR a\xff\xffb\r\n", "\r\n", "US3R x", "RETR a\x00b\r\n", "EPRT |1|127.0.0.1|5000|",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		cmd, err := parseCommand(line)
		if err != nil {
			if cmd != (command{}) {
				t.Fatalf("parseCommand(%q) = %+v with error %v", line, cmd, err)
			}
			return
		}
		if cmd.verb == "" || len(cmd.verb) > 8 || strings.ToUpper(cmd.verb) != cmd.verb {
			t.Fatalf("parseCommand(%q) verb = %q", line, cmd.verb)
		}
		if strings.ContainsAny(cmd.arg, "\r\n\x00") {
			t.Fatalf("parseCommand(%q) arg = %q holds a line end or NUL", line, cmd.arg)
		}
		if strings.IndexByte(cmd.arg, telnetIAC) >= 0 {
			return // a literal 0xff would need escaping to round-trip
		}
		again, err := parseCommand([]byte(cmd.verb + " " + cmd.arg + "\r\n"))
		if err != nil || again != cmd {
			t.Fatalf("parseCommand(%q) = %+v, but its re-encoding parses as %+v, %v", line, cmd, again, err)
		}
	})
}

// maxFuzzLines bounds the commands of one fuzzed session, so that each
// input runs in bounded time (a data command may wait DataTimeout).
const maxFuzzLines = 64

func FuzzSession(f *testing.F) {
	for _, s := range []string{
		"USER anonymous\nPASS x\nPWD\nCWD pub\nLIST\nSIZE hello.txt\nMDTM hello.txt\nMLST hello.txt\n",
		"USER ftptest\nPASS password\nMKD a\nCWD a\nPASV\nSTOR x\nRNFR x\nRNTO y\nDELE y\nCDUP\nRMD a\n",
		"USER anonymous\nPASS x\nTYPE A\nREST 5\nEPSV\nRETR /pub/hello.txt\nABOR\nSTAT\n",
		"FEAT\nOPTS UTF8 ON\nOPTS MLST type;\nHELP\nSYST\nNOOP\nQUIT\n",
		"AUTH TLS\n\x16\x03\x01\x00\x05hello\n",
		"USER ftptest\nPASS password\nPORT 127,0,0,1,200,10\nEPRT |2|::1|5000|\nEPSV ALL\nPASV\nRETR ../../etc/passwd\n",
		"USER anonymous\nPASS x\nSTOR /upload/f\nAPPE /upload/f\nMKD /pub/x\nSTAT /pub\nMLSD /pub\nNLST -la\n",
		"\xff\xf4\xff\xf2ABOR\nREIN\nPBSZ 0\nPROT P\nUSER\nPASS\n",
	} {
		f.Add(s)
	}
	pki := newTestPKI(f)
	srv, err := New(Options{
		Anonymous:   true,
		Root:        f.TempDir(),
		TLS:         pki.server,
		IdleTimeout: time.Second,
		DataTimeout: 20 * time.Millisecond,
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { srv.Close() })

	f.Fuzz(func(t *testing.T, script string) {
		client, server := net.Pipe()
		defer client.Close()
		if !srv.track.Go(server, func() { srv.handle(server) }) {
			t.Fatal("track.Go() = false before Close")
		}

		drained := make(chan struct{})
		var replies bytes.Buffer
		go func() {
			defer close(drained)
			io.Copy(&replies, client)
		}()
		lines := strings.Split(script, "\n")
		if len(lines) > maxFuzzLines {
			lines = lines[:maxFuzzLines]
		}
		lines = append(lines, "QUIT")
		for _, l := range lines {
			client.SetWriteDeadline(time.Now().Add(time.Second))
			if _, err := io.WriteString(client, l+"\r\n"); err != nil {
				break // the session ended (QUIT, failed AUTH, too many bad logins)
			}
		}
		// A session ends at QUIT or, failing that, at the idle timeout.
		bound := time.Duration(len(lines)+1)*(2*srv.dataTimeout) + 2*srv.idleTimeout + 5*time.Second
		select {
		case <-drained:
		case <-time.After(bound):
			client.Close()
			<-drained
			t.Fatalf("session still running %v after the script; replies so far:\n%s", bound, replies.String())
		}
		if !strings.HasPrefix(replies.String(), "220 ") {
			t.Fatalf("replies do not start with the greeting: %q", replies.String())
		}
	})
}
