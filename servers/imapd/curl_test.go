package imapd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/testbed-dev/testbed/servers/internal/servertest"
)

// TestCurl checks the server against curl's IMAP client, when curl is installed.
func TestCurl(t *testing.T) {
	ts := startServer(t, Options{}, true)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, ts.cert.pem, 0o600); err != nil {
		t.Fatal(err)
	}
	seed := SeedMessages("imaptest")
	tests := []struct {
		name string
		args []string
		want []byte
	}{
		{"fetch uid 1", []string{"imap://imaptest:password@" + ts.plain + "/INBOX;UID=1"}, seed[0].Body},
		{"fetch multipart", []string{"imap://imaptest:password@" + ts.plain + "/INBOX;UID=3"}, seed[2].Body},
		{"list", []string{"imap://imaptest:password@" + ts.plain + "/"},
			[]byte("* LIST (\\HasNoChildren) \"/\" INBOX\r\n* LIST (\\HasNoChildren) \"/\" Sent\r\n* LIST (\\HasNoChildren) \"/\" Trash\r\n")},
		{"starttls cacert", []string{"--ssl-reqd", "--cacert", caFile, "imap://imaptest:password@" + ts.plain + "/INBOX;UID=1"}, seed[0].Body},
		{"starttls insecure", []string{"--ssl-reqd", "-k", "imap://imaptest:password@" + ts.plain + "/INBOX;UID=2"}, seed[1].Body},
		{"imaps", []string{"--cacert", caFile, "imaps://imaptest:password@" + ts.implicit + "/INBOX;UID=4"}, seed[3].Body},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := servertest.CurlOK(t, tt.args...)
			if got != string(tt.want) {
				t.Errorf("curl %s =\n%q\nwant\n%q", strings.Join(tt.args, " "), got, tt.want)
			}
		})
	}
	t.Run("bad password", func(t *testing.T) {
		if _, err := servertest.Curl(t, "imap://imaptest:wrong@"+ts.plain+"/INBOX;UID=1"); err == nil {
			t.Errorf("curl with a wrong password succeeded, want a failure")
		}
	})
}

// TestCurlMailboxes manages mailboxes with curl's custom requests, uploads
// into a new one and reads the message back, in order.
func TestCurlMailboxes(t *testing.T) {
	ts := startServer(t, Options{}, false)
	base := "imap://imaptest:password@" + ts.plain
	msg := "Subject: uploaded\r\n\r\nby curl\r\n"
	upload := filepath.Join(t.TempDir(), "msg.eml")
	if err := os.WriteFile(upload, []byte(msg), 0o600); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		args []string
		want string
	}{
		{[]string{base + "/", "-X", "CREATE Projects/2024"}, ""},
		{[]string{base + "/"}, "* LIST (\\HasNoChildren) \"/\" INBOX\r\n* LIST (\\Noselect \\HasChildren) \"/\" Projects\r\n" +
			"* LIST (\\HasNoChildren) \"/\" Projects/2024\r\n* LIST (\\HasNoChildren) \"/\" Sent\r\n* LIST (\\HasNoChildren) \"/\" Trash\r\n"},
		{[]string{base + "/", "-X", `LSUB "" P*`}, "* LSUB (\\HasNoChildren) \"/\" Projects/2024\r\n"},
		{[]string{base + "/", "-X", "RENAME Projects/2024 Archive"}, ""},
		{[]string{"-T", upload, base + "/Archive"}, ""},
		{[]string{base + "/", "-X", "STATUS Archive (MESSAGES RECENT UIDNEXT)"}, "* STATUS Archive (MESSAGES 1 RECENT 1 UIDNEXT 2)\r\n"},
		{[]string{base + "/Archive;UID=1"}, msg},
		{[]string{base + "/", "-X", "DELETE Archive"}, ""},
		{[]string{base + "/", "-X", "SUBSCRIBE Sent"}, ""},
		{[]string{base + "/", "-X", `LIST "" *`}, "* LIST (\\HasNoChildren) \"/\" INBOX\r\n* LIST (\\HasNoChildren) \"/\" Sent\r\n* LIST (\\HasNoChildren) \"/\" Trash\r\n"},
	}
	for _, st := range steps {
		if got := servertest.CurlOK(t, st.args...); got != st.want {
			t.Errorf("curl %s =\n%q\nwant\n%q", strings.Join(st.args, " "), got, st.want)
		}
	}
	// curl fails a custom request answered NO, and a URL naming no mailbox.
	for _, args := range [][]string{
		{base + "/", "-X", "DELETE INBOX"},
		{base + "/", "-X", "CREATE Sent"},
		{base + "/", "-X", "SELECT Nowhere"},
		{base + "/Nowhere;UID=1"},
	} {
		if out, err := servertest.Curl(t, args...); err == nil {
			t.Errorf("curl %s = %q, want a failure", strings.Join(args, " "), out)
		}
	}
}
