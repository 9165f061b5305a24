package clienttest

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/jlaffaye/ftp"
)

// PassiveFTP logs in to the FTP server at addr as ftptest, then uploads,
// lists and downloads in passive mode (the client's default): every
// transfer is on a data port the server announced, so it proves those
// reach the server through whatever forwards them.
func PassiveFTP(t *testing.T, addr string) {
	t.Helper()
	c, err := ftp.Dial(addr, ftp.DialWithTimeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Quit()
	if err := c.Login("ftptest", "password"); err != nil {
		t.Fatal(err)
	}
	want := bytes.Repeat([]byte("forwarded\n"), 100000)
	if err := c.Stor("fwd.txt", bytes.NewReader(want)); err != nil {
		t.Fatalf("STOR: %v", err)
	}
	entries, err := c.List(".")
	if err != nil {
		t.Fatalf("LIST: %v", err)
	}
	found := false
	for _, e := range entries {
		found = found || e.Name == "fwd.txt"
	}
	if !found {
		t.Errorf("LIST does not show the file stored")
	}
	r, err := c.Retr("fwd.txt")
	if err != nil {
		t.Fatalf("RETR: %v", err)
	}
	got, err := io.ReadAll(r)
	r.Close()
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("RETR: %d bytes, %v; want the %d stored", len(got), err, len(want))
	}
}
