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
