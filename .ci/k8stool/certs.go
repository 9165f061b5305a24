package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// certsCmd writes, into DIR (created 0700, files 0600/0644):
//
//	ca.crt ca.key                    the cluster CA (signs everything below)
//	apiserver.crt/.key               kube-apiserver's serving certificate
//	admin.crt/.key                   kubectl's user (O=system:masters)
//	controller-manager.crt/.key      system:kube-controller-manager
//	scheduler.crt/.key               system:kube-scheduler
//	kube-proxy.crt/.key              system:kube-proxy
//	apiserver-kubelet-client.crt/.key  the apiserver's client to kubelets
//	kubelet-client.crt/.key          the node's identity (system:node:NAME)
//	kubelet.crt/.key                 the kubelet's serving certificate
//	sa.key sa.pub                    service-account token signing key
//
// It does nothing when ca.crt already exists, so a restart keeps the certs.
func certsCmd(args []string) error {
	fs := flag.NewFlagSet("certs", flag.ExitOnError)
	dir := fs.String("dir", "", "output directory")
	node := fs.String("node", "testbed-node", "node name")
	nodeIP := fs.String("node-ip", "", "node IP (kubelet serving certificate, apiserver SAN)")
	svcIP := fs.String("service-ip", "10.96.0.1", "first IP of the service range (the kubernetes service)")
	_ = fs.Parse(args)
	if *dir == "" {
		return errors.New("-dir is required")
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(*dir, "ca.crt")); err == nil {
		return nil
	}
	ips := []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")}
	if *nodeIP != "" {
		ip := net.ParseIP(*nodeIP)
		if ip == nil {
			return fmt.Errorf("bad -node-ip %q", *nodeIP)
		}
		ips = append(ips, ip)
	}
	caKey, err := newKey()
	if err != nil {
		return err
	}
	now := time.Now().Add(-time.Hour)
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "testbed-k8s-ca"},
		NotBefore:             now,
		NotAfter:              now.Add(10 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		return err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return err
	}
	type leaf struct {
		name   string
		cn     string
		org    []string
		server bool
		client bool
		dns    []string
		ips    []net.IP
	}
	svc := net.ParseIP(*svcIP)
	leaves := []leaf{
		{name: "apiserver", cn: "kube-apiserver", server: true,
			dns: []string{"kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "localhost", *node},
			ips: append(append([]net.IP{}, ips...), svc)},
		{name: "admin", cn: "testbed-admin", org: []string{"system:masters"}, client: true},
		{name: "controller-manager", cn: "system:kube-controller-manager", client: true},
		{name: "scheduler", cn: "system:kube-scheduler", client: true},
		{name: "kube-proxy", cn: "system:kube-proxy", client: true},
		{name: "apiserver-kubelet-client", cn: "kube-apiserver-kubelet-client", org: []string{"system:masters"}, client: true},
		{name: "kubelet-client", cn: "system:node:" + *node, org: []string{"system:nodes"}, client: true},
		{name: "kubelet", cn: *node, server: true, dns: []string{*node, "localhost"}, ips: ips},
	}
	for _, l := range leaves {
		key, err := newKey()
		if err != nil {
			return err
		}
		t := &x509.Certificate{
			SerialNumber: serial(),
			Subject:      pkix.Name{CommonName: l.cn, Organization: l.org},
			NotBefore:    now,
			NotAfter:     now.Add(2 * 365 * 24 * time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			DNSNames:     l.dns,
			IPAddresses:  l.ips,
		}
		if l.server {
			t.ExtKeyUsage = append(t.ExtKeyUsage, x509.ExtKeyUsageServerAuth)
		}
		if l.client {
			t.ExtKeyUsage = append(t.ExtKeyUsage, x509.ExtKeyUsageClientAuth)
		}
		der, err := x509.CreateCertificate(rand.Reader, t, ca, key.Public(), caKey)
		if err != nil {
			return err
		}
		if err := writeKey(filepath.Join(*dir, l.name+".key"), key); err != nil {
			return err
		}
		if err := writePEM(filepath.Join(*dir, l.name+".crt"), "CERTIFICATE", der, 0o644); err != nil {
			return err
		}
	}
	saKey, err := newKey()
	if err != nil {
		return err
	}
	if err := writeKey(filepath.Join(*dir, "sa.key"), saKey); err != nil {
		return err
	}
	pub, err := x509.MarshalPKIXPublicKey(saKey.Public())
	if err != nil {
		return err
	}
	if err := writePEM(filepath.Join(*dir, "sa.pub"), "PUBLIC KEY", pub, 0o644); err != nil {
		return err
	}
	if err := writeKey(filepath.Join(*dir, "ca.key"), caKey); err != nil {
		return err
	}
	// ca.crt last: its presence says the set is complete.
	return writePEM(filepath.Join(*dir, "ca.crt"), "CERTIFICATE", caDER, 0o644)
}

func newKey() (*ecdsa.PrivateKey, error) {
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		panic(err)
	}
	return n
}

func writeKey(path string, key crypto.Signer) error {
	der, err := x509.MarshalECPrivateKey(key.(*ecdsa.PrivateKey))
	if err != nil {
		return err
	}
	return writePEM(path, "EC PRIVATE KEY", der, 0o600)
}

func writePEM(path, typ string, der []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), mode); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
