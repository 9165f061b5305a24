package imapd_test

import (
	"bufio"
	"fmt"
	"net"
	"strings"

	"github.com/testbed-dev/testbed/servers/imapd"
)

// A server on a loopback port, with the default user and seeded INBOX,
// spoken to line by line.
func Example() {
	srv := imapd.New(imapd.Options{})
	defer srv.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	go srv.Serve(l)

	conn, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	line := func() string {
		s, _ := r.ReadString('\n')
		return strings.TrimRight(s, "\r\n")
	}
	fmt.Println(line())
	for _, cmd := range []string{
		"a LOGIN imaptest password",
		"b EXAMINE INBOX",
		"c FETCH 1:* (UID ENVELOPE)",
	} {
		fmt.Fprintf(conn, "%s\r\n", cmd)
		tag := cmd[:1]
		for l := line(); ; l = line() {
			if i := strings.Index(l, "ENVELOPE"); i >= 0 {
				l = l[:i+50] + "..." // the date and the start of the subject
			}
			fmt.Println(l)
			if strings.HasPrefix(l, tag+" ") {
				break
			}
		}
	}
	// Output:
	// * OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR IDLE NAMESPACE UNSELECT AUTH=PLAIN] testbed IMAP4rev1 ready
	// a OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR IDLE NAMESPACE UNSELECT] LOGIN completed
	// * FLAGS (\Answered \Flagged \Deleted \Seen \Draft)
	// * OK [PERMANENTFLAGS ()] No permanent flags permitted
	// * 4 EXISTS
	// * 4 RECENT
	// * OK [UNSEEN 2] First unseen message
	// * OK [UIDVALIDITY 1] UIDs valid
	// * OK [UIDNEXT 5] Predicted next UID
	// b OK [READ-ONLY] EXAMINE completed
	// * 1 FETCH (UID 1 ENVELOPE ("Tue, 02 Jan 2024 09:00:00 +0000" "Welco...
	// * 2 FETCH (UID 2 ENVELOPE ("Wed, 03 Jan 2024 10:00:00 +0000" "Meeti...
	// * 3 FETCH (UID 3 ENVELOPE ("Thu, 04 Jan 2024 11:00:00 +0000" "Quart...
	// * 4 FETCH (UID 4 ENVELOPE ("Fri, 05 Jan 2024 12:00:00 +0000" "Lunch...
	// c OK FETCH completed
}
