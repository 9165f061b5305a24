package testca

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/testbed-dev/testbed/internal/atomicfile"
)

// File names in a CA directory.
const (
	CertFileName = "ca.pem"     // the CA certificate, mode 0644
	KeyFileName  = "ca-key.pem" // the CA private key, mode 0600
)

// How long LoadOrCreate waits for another process that is creating the same
// CA to finish, and how often it looks.
const (
	createWait = 5 * time.Second
	createPoll = 10 * time.Millisecond
)

// CertFile is the path of the CA certificate in dir.
func CertFile(dir string) string { return filepath.Join(dir, CertFileName) }

// LoadOrCreate reads the CA kept in dir (ca.pem and ca-key.pem), or makes one
// called commonName and writes it there when dir holds none. dir is created
// with mode 0700 when missing and the key is written with mode 0600.
//
// Processes may call it on the same dir at the same time: the key file is
// created exclusively, so one of them makes the CA and the others wait for
// its certificate and load it.
func LoadOrCreate(dir, commonName string) (*CA, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("load CA: %w", err)
	}
	certPath, keyPath := CertFile(dir), filepath.Join(dir, KeyFileName)
	deadline := time.Now().Add(createWait)
	for {
		ca, err := load(certPath, keyPath)
		if err == nil {
			return ca, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("load CA from %s: %w", dir, err)
		}
		ca, err = create(certPath, keyPath, commonName)
		if err == nil {
			return ca, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("create CA in %s: %w", dir, err)
		}
		// Another process holds the key file and has not written the
		// certificate yet.
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("load CA from %s: %s exists without %s (remove it if no other testbed is creating the CA)",
				dir, KeyFileName, CertFileName)
		}
		time.Sleep(createPoll)
	}
}

// load reads the pair; fs.ErrNotExist when the certificate is missing (the
// certificate is written last, so its presence means the key is complete).
func load(certPath, keyPath string) (*CA, error) {
	certPEM, err := os.ReadFile(certPath)
	if err != nil {
		return nil, err
	}
	keyPEM, err := os.ReadFile(keyPath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s exists without %s", filepath.Base(certPath), filepath.Base(keyPath))
	}
	if err != nil {
		return nil, err
	}
	return fromPEM(certPEM, keyPEM)
}

// create makes a CA and writes the key exclusively (fs.ErrExist when another
// process got there first), then the certificate atomically.
func create(certPath, keyPath, commonName string) (*CA, error) {
	ca, err := New(commonName)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(keyPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	_, werr := f.Write(ca.keyPEM)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = atomicfile.Write(certPath, ca.certPEM, 0o644)
	}
	if werr != nil {
		_ = os.Remove(keyPath)
		return nil, fmt.Errorf("write %s: %w", filepath.Base(keyPath), werr)
	}
	return ca, nil
}

// WriteCert writes the CA certificate to dir/ca.pem (mode 0644) unless it is
// there already, and returns the file's absolute path.
func (c *CA) WriteCert(dir string) (string, error) {
	p, err := filepath.Abs(CertFile(dir))
	if err != nil {
		return "", fmt.Errorf("write CA certificate: %w", err)
	}
	if old, err := os.ReadFile(p); err == nil && bytes.Equal(old, c.certPEM) {
		return p, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("write CA certificate: %w", err)
	}
	if err := atomicfile.Write(p, c.certPEM, 0o644); err != nil {
		return "", fmt.Errorf("write CA certificate: %w", err)
	}
	return p, nil
}
