package testca

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// Secret is a token derived from the CA's private key for purpose (like
// "control"): whoever holds the project's CA can compute it again, nobody
// else can, and nothing needs storing beside the CA.
func (c *CA) Secret(purpose string) string {
	m := hmac.New(sha256.New, c.keyPEM)
	m.Write([]byte("testbed secret\x00" + purpose))
	return hex.EncodeToString(m.Sum(nil))
}
