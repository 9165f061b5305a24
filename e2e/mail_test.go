package e2e

import (
	"fmt"
	"io"
	"net/smtp"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// The mail kind with the imap kind in one testbed, on both bothDrivers: curl
// submits on 587 (STARTTLS, AUTH) and on 465, Go's net/smtp on 25; curl
// reads the maildrop over POP3 with STLS and over pop3s; go-imap finds
// every message in the imap server's INBOX.
func TestMailKind(t *testing.T) {
	requireClient(t, "curl", "curl")
	for _, driver := range bothDrivers {
		t.Run(driver, func(t *testing.T) {
			bed := startKinds(t, driver, "mail", "imap")
			ca := bed.CAFile()
			eml := filepath.Join(t.TempDir(), "msg.eml")
			send := func(subject string) {
				os.WriteFile(eml, []byte("From: e2e@example.test\r\nTo: imaptest@testbed.test\r\nSubject: "+subject+"\r\n\r\nhello\r\n"), 0o644)
			}
			curlSend := []struct{ url, subject string }{
				{"smtp://" + bed.Addr("mail", "587"), "via 587 " + driver},
				{"smtps://" + bed.Addr("mail", "465"), "via 465 " + driver},
			}
			for _, c := range curlSend {
				send(c.subject)
				if out, err := runClient(t, "curl", "-sS", "--ssl-reqd", "--cacert", ca, "-u", "imaptest:password",
					"--mail-from", "e2e@example.test", "--mail-rcpt", "imaptest@testbed.test", "-T", eml, c.url); err != nil {
					t.Fatalf("curl %s: %v\n%s", c.url, err, out)
				}
			}
			c, err := smtp.Dial(bed.Addr("mail", "25"))
			if err != nil {
				t.Fatal(err)
			}
			cfg := bed.TLSConfig().Clone()
			cfg.ServerName = bed.Host("mail")
			if err := c.StartTLS(cfg); err != nil {
				t.Fatalf("net/smtp STARTTLS on 25: %v", err)
			}
			c.Mail("e2e@example.test")
			if err := c.Rcpt("imaptest@testbed.test"); err != nil {
				t.Fatal(err)
			}
			w, _ := c.Data()
			io.WriteString(w, "Subject: via 25 "+driver+"\r\n\r\nhello\r\n")
			if err := w.Close(); err != nil {
				t.Fatalf("net/smtp DATA: %v", err)
			}
			c.Quit()

			want := []string{"via 587 " + driver, "via 465 " + driver, "via 25 " + driver}
			list, err := runClient(t, "curl", "-sS", "--ssl-reqd", "--cacert", ca, "-u", "imaptest:password", "pop3://"+bed.Addr("mail", "110")+"/")
			if err != nil || len(strings.Split(list, "\n")) != 4 {
				t.Errorf("curl pop3 listing = %q, %v; want the seeded message and 3 sent", list, err)
			}
			for i, subject := range want {
				msg, err := runClient(t, "curl", "-sS", "--cacert", ca, "-u", "imaptest:password", fmt.Sprintf("pop3s://%s/%d", bed.Addr("mail", "995"), i+2))
				if err != nil || !strings.Contains(msg, "Subject: "+subject) {
					t.Errorf("curl pop3s RETR %d = %q, %v; want Subject %s", i+2, msg, err, subject)
				}
			}

			ic, err := imapclient.DialTLS(bed.Addr("imap", "993"), &imapclient.Options{TLSConfig: bed.TLSConfig()})
			if err != nil {
				t.Fatal(err)
			}
			defer ic.Close()
			if err := ic.Login("imaptest", "password").Wait(); err != nil {
				t.Fatal(err)
			}
			sel, err := ic.Select("INBOX", nil).Wait()
			if err != nil {
				t.Fatal(err)
			}
			msgs, err := ic.Fetch(imap.SeqSetNum(sel.NumMessages-2, sel.NumMessages-1, sel.NumMessages), &imap.FetchOptions{Envelope: true}).Collect()
			var got []string
			for _, m := range msgs {
				got = append(got, m.Envelope.Subject)
			}
			if err != nil || strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("IMAP INBOX ends with %q, %v; want %q", got, err, want)
			}
		})
	}
}

// Without an imap server in the testbed, mail is taken and kept for POP3.
func TestMailKindAlone(t *testing.T) {
	requireClient(t, "curl", "curl")
	for _, driver := range bothDrivers {
		t.Run(driver, func(t *testing.T) {
			bed := startKinds(t, driver, "mail")
			c, err := smtp.Dial(bed.Addr("mail", "25"))
			if err != nil {
				t.Fatal(err)
			}
			c.Mail("e2e@example.test")
			c.Rcpt("imaptest@testbed.test")
			w, _ := c.Data()
			io.WriteString(w, "Subject: alone\r\n\r\nhello\r\n")
			if err := w.Close(); err != nil {
				t.Fatalf("DATA without an imap server = %v, want 250", err)
			}
			c.Quit()
			msg, err := runClient(t, "curl", "-sS", "-u", "imaptest:password", "pop3://"+bed.Addr("mail", "110")+"/2")
			if err != nil || !strings.Contains(msg, "Subject: alone") {
				t.Errorf("curl pop3 RETR 2 = %q, %v", msg, err)
			}
		})
	}
}
