package imapd

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
)

// These tests drive the server with go-imap's client, as a real client would.

func dialClient(t *testing.T, addr string) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		t.Fatalf("DialInsecure(%s) = %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestClientCapabilityAndLogin(t *testing.T) {
	ts := startServer(t, Options{}, true)
	c := dialClient(t, ts.plain)
	if err := c.WaitGreeting(); err != nil {
		t.Fatalf("WaitGreeting() = %v", err)
	}
	caps, err := c.Capability().Wait()
	if err != nil {
		t.Fatalf("Capability() = %v", err)
	}
	for _, want := range []imap.Cap{imap.CapIMAP4rev1, imap.CapStartTLS, "AUTH=PLAIN", imap.CapLiteralPlus, imap.CapSASLIR, imap.CapIdle} {
		if !caps.Has(want) {
			t.Errorf("Capability() = %v, missing %s", caps, want)
		}
	}

	err = c.Login("imaptest", "wrong").Wait()
	var imapErr *imap.Error
	if !errors.As(err, &imapErr) || imapErr.Type != imap.StatusResponseTypeNo || imapErr.Code != imap.ResponseCodeAuthenticationFailed {
		t.Errorf("Login(bad password) = %v, want NO [AUTHENTICATIONFAILED]", err)
	}
	if err := c.Login("imaptest", "password").Wait(); err != nil {
		t.Fatalf("Login() = %v", err)
	}
	if got := c.State(); got != imap.ConnStateAuthenticated {
		t.Errorf("State() = %v, want authenticated", got)
	}
	if err := c.Logout().Wait(); err != nil {
		t.Errorf("Logout() = %v", err)
	}
}

func TestClientAuthenticatePlain(t *testing.T) {
	ts := startServer(t, Options{}, false)
	c := dialClient(t, ts.plain)
	if err := c.Authenticate(sasl.NewPlainClient("", "imaptest", "nope")); err == nil {
		t.Errorf("Authenticate(bad password) = nil, want an error")
	}
	if err := c.Authenticate(sasl.NewPlainClient("", "imaptest", "password")); err != nil {
		t.Fatalf("Authenticate() = %v", err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Errorf("Select() after AUTHENTICATE = %v", err)
	}
}

func TestClientTLS(t *testing.T) {
	ts := startServer(t, Options{}, true)
	tests := []struct {
		name string
		dial func(addr string, o *imapclient.Options) (*imapclient.Client, error)
		addr string
	}{
		{"starttls", imapclient.DialStartTLS, ts.plain},
		{"implicit", imapclient.DialTLS, ts.implicit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := tt.dial(tt.addr, &imapclient.Options{TLSConfig: ts.cert.clientTLS()})
			if err != nil {
				t.Fatalf("dial = %v", err)
			}
			defer c.Close()
			caps, err := c.Capability().Wait()
			if err != nil {
				t.Fatalf("Capability() = %v", err)
			}
			if caps.Has(imap.CapStartTLS) {
				t.Errorf("Capability() over TLS = %v, want no STARTTLS", caps)
			}
			if err := c.Login("imaptest", "password").Wait(); err != nil {
				t.Fatalf("Login() = %v", err)
			}
			mb, err := c.Select("INBOX", nil).Wait()
			if err != nil || mb.NumMessages != 4 {
				t.Errorf("Select() = %+v, %v, want 4 messages", mb, err)
			}
			if err := c.Logout().Wait(); err != nil {
				t.Errorf("Logout() = %v", err)
			}
		})
	}
}

func TestClientMailbox(t *testing.T) {
	ts := startServer(t, Options{}, false)
	c := dialClient(t, ts.plain)
	if err := c.Login("imaptest", "password").Wait(); err != nil {
		t.Fatalf("Login() = %v", err)
	}

	list, err := c.List("", "*", nil).Collect()
	if err != nil {
		t.Fatalf("List() = %v", err)
	}
	var names []string
	for _, l := range list {
		names = append(names, l.Mailbox)
	}
	if want := []string{"INBOX", "Sent", "Trash"}; !slices.Equal(names, want) {
		t.Errorf("List() = %v, want %v", names, want)
	}

	st, err := c.Status("INBOX", &imap.StatusOptions{NumMessages: true, NumUnseen: true, UIDNext: true}).Wait()
	if err != nil || st.NumMessages == nil || *st.NumMessages != 4 || *st.NumUnseen != 3 || st.UIDNext != 5 {
		t.Errorf("Status() = %+v, %v, want 4 messages, 3 unseen, UIDNEXT 5", st, err)
	}

	mb, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatalf("Select() = %v", err)
	}
	if mb.NumMessages != 4 || mb.UIDValidity != SeedUIDValidity || mb.UIDNext != 5 {
		t.Errorf("Select() = %d messages, UIDVALIDITY %d, UIDNEXT %d, want 4, %d, 5",
			mb.NumMessages, mb.UIDValidity, mb.UIDNext, SeedUIDValidity)
	}
	if !slices.Contains(mb.PermanentFlags, imap.FlagWildcard) {
		t.Errorf("Select() permanent flags = %v, want \\*", mb.PermanentFlags)
	}

	t.Run("fetch envelope", func(t *testing.T) {
		msgs, err := c.Fetch(imap.SeqSetNum(1, 2, 3, 4), &imap.FetchOptions{Envelope: true, UID: true}).Collect()
		if err != nil {
			t.Fatalf("Fetch() = %v", err)
		}
		var subjects []string
		for _, m := range msgs {
			subjects = append(subjects, m.Envelope.Subject)
		}
		want := []string{"Welcome to testbed", "Meeting notes", "Quarterly report", "Lunch?"}
		if !slices.Equal(subjects, want) {
			t.Errorf("Fetch() subjects = %q, want %q", subjects, want)
		}
		if env := msgs[1].Envelope; len(env.From) != 1 || env.From[0].Addr() != "alice@testbed.test" ||
			len(env.Cc) != 1 || env.Cc[0].Name != "Bob Example" || env.MessageID != "notes.2@testbed.test" {
			t.Errorf("Fetch() envelope 2 = %+v", env)
		}
	})

	t.Run("uid fetch body", func(t *testing.T) {
		section := &imap.FetchItemBodySection{Peek: true}
		msgs, err := c.Fetch(imap.UIDSetNum(3), &imap.FetchOptions{
			BodySection:   []*imap.FetchItemBodySection{section},
			BodyStructure: &imap.FetchItemBodyStructure{Extended: true},
			RFC822Size:    true,
		}).Collect()
		if err != nil || len(msgs) != 1 {
			t.Fatalf("Fetch(UID 3) = %d messages, %v", len(msgs), err)
		}
		want := SeedMessages("imaptest")[2].Body
		if got := msgs[0].FindBodySection(section); !bytes.Equal(got, want) {
			t.Errorf("Fetch(UID 3) body =\n%s\nwant\n%s", got, want)
		}
		if msgs[0].UID != 3 || msgs[0].RFC822Size != int64(len(want)) {
			t.Errorf("Fetch(UID 3) UID %d size %d, want 3, %d", msgs[0].UID, msgs[0].RFC822Size, len(want))
		}
		mp, isMulti := msgs[0].BodyStructure.(*imap.BodyStructureMultiPart)
		if !isMulti || mp.MediaType() != "multipart/mixed" || len(mp.Children) != 2 {
			t.Fatalf("BodyStructure = %#v, want multipart/mixed with 2 parts", msgs[0].BodyStructure)
		}
		att, isSingle := mp.Children[1].(*imap.BodyStructureSinglePart)
		if !isSingle || att.Filename() != "report.bin" || att.Encoding != "BASE64" {
			t.Errorf("attachment = %#v, want report.bin in base64", mp.Children[1])
		}
	})

	t.Run("search", func(t *testing.T) {
		all, err := c.Search(&imap.SearchCriteria{}, nil).Wait()
		if err != nil {
			t.Fatalf("Search(ALL) = %v", err)
		}
		if got := all.AllSeqNums(); !slices.Equal(got, []uint32{1, 2, 3, 4}) {
			t.Errorf("Search(ALL) = %v, want [1 2 3 4]", got)
		}
		unseen, err := c.UIDSearch(&imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}, nil).Wait()
		if err != nil {
			t.Fatalf("UIDSearch(UNSEEN) = %v", err)
		}
		if got := unseen.AllUIDs(); !slices.Equal(got, []imap.UID{2, 3, 4}) {
			t.Errorf("UIDSearch(UNSEEN) = %v, want [2 3 4]", got)
		}
	})

	t.Run("store flags", func(t *testing.T) {
		err := c.Store(imap.SeqSetNum(4), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true,
			Flags: []imap.Flag{imap.FlagFlagged}}, nil).Close()
		if err != nil {
			t.Fatalf("Store(+FLAGS) = %v", err)
		}
		msgs, err := c.Fetch(imap.SeqSetNum(4), &imap.FetchOptions{Flags: true}).Collect()
		if err != nil || len(msgs) != 1 {
			t.Fatalf("Fetch(FLAGS) = %v", err)
		}
		// This session selected INBOX first: its messages are \Recent here.
		if want := []imap.Flag{imap.FlagFlagged, `\Recent`}; !slices.Equal(msgs[0].Flags, want) {
			t.Errorf("Fetch(FLAGS) = %v, want %v", msgs[0].Flags, want)
		}
	})

	t.Run("append and expunge", func(t *testing.T) {
		body := []byte("Subject: from the client\r\n\r\nhello\r\n")
		app := c.Append("INBOX", int64(len(body)), nil)
		if _, err := app.Write(body); err != nil {
			t.Fatalf("Append write = %v", err)
		}
		if err := app.Close(); err != nil {
			t.Fatalf("Append close = %v", err)
		}
		if _, err := app.Wait(); err != nil {
			t.Fatalf("Append() = %v", err)
		}
		if err := c.Noop().Wait(); err != nil {
			t.Fatalf("Noop() = %v", err)
		}
		if got := c.Mailbox().NumMessages; got != 5 {
			t.Errorf("messages after APPEND = %d, want 5", got)
		}
		if err := c.Store(imap.SeqSetNum(5), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true,
			Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
			t.Fatalf("Store(\\Deleted) = %v", err)
		}
		gone, err := c.Expunge().Collect()
		if err != nil || !slices.Equal(gone, []uint32{5}) {
			t.Errorf("Expunge() = %v, %v, want [5]", gone, err)
		}
	})

	if err := c.Logout().Wait(); err != nil {
		t.Errorf("Logout() = %v", err)
	}
}

// TestClientManageMailboxes creates, renames, fills, lists and deletes
// mailboxes with go-imap's client, failures included.
func TestClientManageMailboxes(t *testing.T) {
	ts := startServer(t, Options{}, false)
	c := dialClient(t, ts.plain)
	if err := c.Login("imaptest", "password").Wait(); err != nil {
		t.Fatalf("Login() = %v", err)
	}
	wantNO := func(what string, err error, code imap.ResponseCode) {
		t.Helper()
		var imapErr *imap.Error
		if !errors.As(err, &imapErr) || imapErr.Type != imap.StatusResponseTypeNo || imapErr.Code != code {
			t.Errorf("%s = %v, want NO [%s]", what, err, code)
		}
	}
	list := func() map[string][]imap.MailboxAttr {
		t.Helper()
		data, err := c.List("", "*", nil).Collect()
		if err != nil {
			t.Fatalf("List() = %v", err)
		}
		out := map[string][]imap.MailboxAttr{}
		for _, d := range data {
			if d.Delim != '/' {
				t.Errorf("List() delimiter of %s = %q, want /", d.Mailbox, d.Delim)
			}
			out[d.Mailbox] = d.Attrs
		}
		return out
	}

	// The client sends non-ASCII names in modified UTF-7 and decodes them back.
	for _, name := range []string{"Projects/2024", "Entwürfe"} {
		if err := c.Create(name, nil).Wait(); err != nil {
			t.Fatalf("Create(%q) = %v", name, err)
		}
	}
	got := list()
	for _, name := range []string{"INBOX", "Sent", "Trash", "Projects/2024", "Entwürfe"} {
		if attrs, ok := got[name]; !ok || slices.Contains(attrs, imap.MailboxAttrNoSelect) {
			t.Errorf("List() = %v, want selectable %q", got, name)
		}
	}
	if attrs := got["Projects"]; !slices.Contains(attrs, imap.MailboxAttrNoSelect) || !slices.Contains(attrs, imap.MailboxAttrHasChildren) {
		t.Errorf("List() attributes of Projects = %v, want \\Noselect \\HasChildren", attrs)
	}

	wantNO("Create(existing)", c.Create("Projects/2024", nil).Wait(), imap.ResponseCodeAlreadyExists)
	wantNO("Delete(INBOX)", c.Delete("INBOX").Wait(), imap.ResponseCodeCannot)
	wantNO("Delete(missing)", c.Delete("Nowhere").Wait(), imap.ResponseCodeNonExistent)
	wantNO("Rename(to existing)", c.Rename("Sent", "Trash", nil).Wait(), imap.ResponseCodeAlreadyExists)
	_, err := c.Select("Nowhere", nil).Wait()
	wantNO("Select(missing)", err, imap.ResponseCodeNonExistent)
	_, err = c.Status("Nowhere", &imap.StatusOptions{NumMessages: true}).Wait()
	wantNO("Status(missing)", err, imap.ResponseCodeNonExistent)

	// APPEND and COPY into the new mailboxes, then rename one.
	body := []byte("Subject: filed\r\n\r\nfiled away\r\n")
	app := c.Append("Projects/2024", int64(len(body)), &imap.AppendOptions{Flags: []imap.Flag{imap.FlagSeen}})
	if _, err := app.Write(body); err != nil {
		t.Fatalf("Append write = %v", err)
	}
	if err := app.Close(); err != nil {
		t.Fatalf("Append close = %v", err)
	}
	if _, err := app.Wait(); err != nil {
		t.Fatalf("Append(Projects/2024) = %v", err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatalf("Select(INBOX) = %v", err)
	}
	if _, err := c.Copy(imap.SeqSetNum(2, 4), "Entwürfe").Wait(); err != nil {
		t.Fatalf("Copy() = %v", err)
	}
	_, err = c.Copy(imap.SeqSetNum(1), "Nowhere").Wait()
	wantNO("Copy(to missing)", err, imap.ResponseCodeTryCreate)
	if err := c.Rename("Projects", "Work", nil).Wait(); err == nil {
		t.Errorf("Rename(\\Noselect level) = nil, want an error")
	}
	if err := c.Create("Projects", nil).Wait(); err != nil {
		t.Fatalf("Create(Projects) = %v", err)
	}
	if err := c.Rename("Projects", "Work", nil).Wait(); err != nil {
		t.Fatalf("Rename(Projects, Work) = %v", err)
	}

	st, err := c.Status("Work/2024", &imap.StatusOptions{NumMessages: true, NumUnseen: true}).Wait()
	if err != nil || *st.NumMessages != 1 || *st.NumUnseen != 0 {
		t.Errorf("Status(Work/2024) = %+v, %v, want 1 message, 0 unseen", st, err)
	}
	mb, err := c.Select("Entwürfe", nil).Wait()
	if err != nil || mb.NumMessages != 2 {
		t.Fatalf("Select(Entwürfe) = %+v, %v, want 2 messages", mb, err)
	}
	msgs, err := c.Fetch(imap.SeqSetNum(1, 2), &imap.FetchOptions{Envelope: true, Flags: true}).Collect()
	if err != nil || len(msgs) != 2 {
		t.Fatalf("Fetch() = %d messages, %v", len(msgs), err)
	}
	if msgs[0].Envelope.Subject != "Meeting notes" || msgs[1].Envelope.Subject != "Lunch?" {
		t.Errorf("copied subjects = %q, %q", msgs[0].Envelope.Subject, msgs[1].Envelope.Subject)
	}
	// Copies are new to the mailbox: \Recent to this first session.
	if !slices.Contains(msgs[0].Flags, `\Recent`) {
		t.Errorf("copied flags = %v, want \\Recent", msgs[0].Flags)
	}

	if err := c.Unsubscribe("Work").Wait(); err != nil {
		t.Errorf("Unsubscribe() = %v", err)
	}
	if err := c.Subscribe("Work").Wait(); err != nil {
		t.Errorf("Subscribe() = %v", err)
	}
	wantNO("Subscribe(missing)", c.Subscribe("Nowhere").Wait(), imap.ResponseCodeNonExistent)

	if err := c.Unselect().Wait(); err != nil {
		t.Fatalf("Unselect() = %v", err)
	}
	for _, name := range []string{"Work/2024", "Work", "Entwürfe"} {
		if err := c.Delete(name).Wait(); err != nil {
			t.Errorf("Delete(%q) = %v", name, err)
		}
	}
	got = list()
	if len(got) != 3 {
		t.Errorf("List() after DELETE = %v, want INBOX, Sent, Trash", got)
	}
}
