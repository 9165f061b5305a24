package sftpd

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/pem"
	"fmt"

	"golang.org/x/crypto/ssh"
)

// insecureUserSeed is the seed of the well-known test key the public-key
// user accepts unless told other keys: like Vagrant's insecure key, it is
// public on purpose (README, InsecureUserKeyPEM), so that any test can log
// in with no setup. The server holds only test data.
const insecureUserSeed = "7465737462656420696e7365637572652073667470207573657220206b657921"

// InsecureUserSigner is the well-known test key of the public-key user.
func InsecureUserSigner() ssh.Signer {
	s, err := ssh.NewSignerFromKey(insecureUserKey())
	if err != nil {
		panic(fmt.Sprintf("sftpd: the built-in test key: %v", err))
	}
	return s
}

// InsecureUserKeyPEM is the well-known test key as an OpenSSH private key
// file (for ssh -i, sftp -i; write it with mode 0600).
func InsecureUserKeyPEM() []byte {
	block, err := ssh.MarshalPrivateKey(insecureUserKey(), "testbed insecure sftp user key")
	if err != nil {
		panic(fmt.Sprintf("sftpd: the built-in test key: %v", err))
	}
	return pem.EncodeToMemory(block)
}

func insecureUserKey() ed25519.PrivateKey {
	seed, err := hex.DecodeString(insecureUserSeed)
	if err != nil || len(seed) != ed25519.SeedSize {
		panic("sftpd: the built-in test key seed is malformed")
	}
	return ed25519.NewKeyFromSeed(seed)
}

// NewHostKey makes a new ed25519 host key.
func NewHostKey() (ssh.Signer, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("sftp host key: %w", err)
	}
	return ssh.NewSignerFromKey(priv)
}

// NewHostKeyPEM makes a new ed25519 host key as an OpenSSH PEM private
// key, for ParseHostKey (a key that must outlive one Server).
func NewHostKeyPEM() ([]byte, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("sftp host key: %w", err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		return nil, fmt.Errorf("sftp host key: %w", err)
	}
	return pem.EncodeToMemory(block), nil
}

// ParseHostKey reads a host key from a PEM private key (OpenSSH, PKCS#8,
// PKCS#1 or SEC 1, unencrypted).
func ParseHostKey(pemBytes []byte) (ssh.Signer, error) {
	s, err := ssh.ParsePrivateKey(pemBytes)
	if err != nil {
		return nil, fmt.Errorf("sftp host key: %w", err)
	}
	return s, nil
}

// ParseAuthorizedKeys reads keys in authorized_keys syntax, one a line.
func ParseAuthorizedKeys(text []byte) ([]ssh.PublicKey, error) {
	var out []ssh.PublicKey
	for len(text) > 0 {
		k, _, _, rest, err := ssh.ParseAuthorizedKey(text)
		if err != nil { // no further key (it skips lines it cannot read)
			break
		}
		out = append(out, k)
		text = rest
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("authorized keys: none found")
	}
	return out, nil
}
