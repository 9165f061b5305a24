package clienttest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/testbed-dev/testbed/servers/sftpd"
)

// SFTP runs OpenSSH's sftp and scp (with sshpass for the
// password user, and the insecure test key for the key user) and curl's
// sftp:// against a server at addr whose host key is key, pinning it.
func SFTP(t *testing.T, addr string, key ssh.PublicKey) {
	t.Helper()
	sftpBin := Tool(t, "sftp", "openssh-client")
	scpBin := Tool(t, "scp", "openssh-client")
	sshBin := Tool(t, "ssh", "openssh-client")
	sshpass := Tool(t, "sshpass", "sshpass")
	host, port, _ := net.SplitHostPort(addr)
	dir := t.TempDir()
	kh := filepath.Join(dir, "known_hosts")
	os.WriteFile(kh, []byte("["+host+"]:"+port+" "+string(ssh.MarshalAuthorizedKey(key))), 0o600)
	keyFile := filepath.Join(dir, "id_test")
	os.WriteFile(keyFile, sftpd.InsecureUserKeyPEM(), 0o600)
	local := filepath.Join(dir, "local.txt")
	os.WriteFile(local, []byte("from openssh\n"), 0o644)
	common := []string{"-F", "/dev/null", "-o", "UserKnownHostsFile=" + kh, "-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR"}
	// BatchMode=no before -b, which turns it on: sshpass answers the prompt.
	password := append([]string{"-o", "BatchMode=no", "-o", "PreferredAuthentications=password", "-o", "PubkeyAuthentication=no"}, common...)
	withKey := append([]string{"-i", keyFile, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes"}, common...)
	run := func(argv ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir}
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	batch := func(lines ...string) string {
		f := filepath.Join(dir, "batch")
		os.WriteFile(f, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
		return f
	}

	t.Run("sftp with a password", func(t *testing.T) {
		b := batch("get /files/hello.txt "+filepath.Join(dir, "got.txt"), "put "+local+" /upload/put.txt", "ls /upload")
		out, err := run(append(append([]string{sshpass, "-p", "password", sftpBin, "-P", port}, password...), "-b", b, "sftptest@"+host)...)
		if err != nil || !strings.Contains(out, "put.txt") {
			t.Fatalf("sftp: %v\n%s", err, out)
		}
		if got, _ := os.ReadFile(filepath.Join(dir, "got.txt")); string(got) != "hello from testbed\n" {
			t.Errorf("downloaded hello.txt = %q", got)
		}
		b = batch("put " + local + " /files/evil.txt")
		if out, err := run(append(append([]string{sshpass, "-p", "password", sftpBin, "-P", port}, password...), "-b", b, "sftptest@"+host)...); err == nil {
			t.Errorf("sftp put into /files succeeded, want a failure:\n%s", out)
		}
	})
	t.Run("scp with the test key", func(t *testing.T) {
		if out, err := run(append(append([]string{scpBin, "-P", port}, withKey...), local, "sftpkey@"+host+":/upload/scp.txt")...); err != nil {
			t.Fatalf("scp upload: %v\n%s", err, out)
		}
		got := filepath.Join(dir, "large.bin")
		if out, err := run(append(append([]string{scpBin, "-P", port}, withKey...), "sftpkey@"+host+":/files/large-1m.bin", got)...); err != nil {
			t.Fatalf("scp download: %v\n%s", err, out)
		}
		data, _ := os.ReadFile(got)
		want := make([]byte, 1<<20)
		for i := range want {
			want[i] = byte(i % 251)
		}
		if !bytes.Equal(data, want) {
			t.Errorf("scp download: %d bytes, not the seeded large-1m.bin", len(data))
		}
		// The upload is there for the other user too.
		b := batch("get /upload/scp.txt " + filepath.Join(dir, "back.txt"))
		if out, err := run(append(append([]string{sshpass, "-p", "password", sftpBin, "-P", port}, password...), "-b", b, "sftptest@"+host)...); err != nil {
			t.Fatalf("sftp get of the scp upload: %v\n%s", err, out)
		}
		if back, _ := os.ReadFile(filepath.Join(dir, "back.txt")); string(back) != "from openssh\n" {
			t.Errorf("upload read back = %q", back)
		}
	})
	t.Run("ssh command refused", func(t *testing.T) {
		if out, err := run(append(append([]string{sshBin, "-p", port}, withKey...), "sftpkey@"+host, "id")...); err == nil {
			t.Errorf("ssh id succeeded: %s", out)
		}
	})
	t.Run("a wrong host key is refused", func(t *testing.T) {
		other, _ := sftpd.NewHostKey()
		os.WriteFile(kh, []byte("["+host+"]:"+port+" "+string(ssh.MarshalAuthorizedKey(other.PublicKey()))), 0o600)
		defer os.WriteFile(kh, []byte("["+host+"]:"+port+" "+string(ssh.MarshalAuthorizedKey(key))), 0o600)
		b := batch("ls /")
		if out, err := run(append(append([]string{sftpBin, "-P", port}, withKey...), "-b", b, "sftpkey@"+host)...); err == nil {
			t.Errorf("sftp with a mismatched known host key succeeded:\n%s", out)
		}
	})
	t.Run("curl sftp://", func(t *testing.T) {
		curl := Tool(t, "curl", "curl")
		sum := sha256.Sum256(key.Marshal())
		pin := base64.StdEncoding.EncodeToString(sum[:])
		out, err := run(curl, "-q", "-sS", "--max-time", "15", "-u", "sftptest:password", "--hostpubsha256", pin, "sftp://"+addr+"/files/hello.txt")
		if err != nil || out != "hello from testbed\n" {
			t.Errorf("curl sftp get = %q, %v", out, err)
		}
		out, err = run(curl, "-q", "-sS", "--max-time", "15", "-u", "sftptest:password", "--hostpubsha256", pin, "-T", local, "sftp://"+addr+"/upload/curl.txt")
		if err != nil {
			t.Errorf("curl sftp upload: %v\n%s", err, out)
		}
	})
}
