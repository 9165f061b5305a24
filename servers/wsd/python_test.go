package wsd_test

import (
	"strings"
	"testing"

	"github.com/testbed-dev/testbed/internal/clienttest"
)

// TestPythonClient runs Python's websockets library (python3-websockets)
// against the server: echo, subprotocol, permessage-deflate, a large and a
// fragmented message, ping, Basic auth, a close code.
func TestPythonClient(t *testing.T) {
	out, err := clienttest.WebSocket(t, start(t), "")
	if err != nil || strings.TrimSpace(out) != "ok" {
		t.Fatalf("websocket_client.py: %v\n%s", err, out)
	}
}
