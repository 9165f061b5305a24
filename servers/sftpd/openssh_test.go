package sftpd_test

import (
	"testing"

	"github.com/testbed-dev/testbed/internal/clienttest"
)

// TestOpenSSHClients: OpenSSH's sftp and scp, and curl's sftp://, pinning
// the host key.
func TestOpenSSHClients(t *testing.T) {
	b := start(t)
	clienttest.SFTP(t, b.addr, b.key)
}
