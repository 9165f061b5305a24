package testca_test

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"

	"github.com/testbed-dev/testbed/servers/testca"
)

func ExampleCA_Issue() {
	ca, err := testca.New("example CA")
	if err != nil {
		panic(err)
	}
	certPEM, _, err := ca.Issue("web.testbed.test", "localhost", "127.0.0.1")
	if err != nil {
		panic(err)
	}
	block, _ := pem.Decode(certPEM)
	leaf, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		panic(err)
	}
	_, err = leaf.Verify(x509.VerifyOptions{DNSName: "127.0.0.1", Roots: ca.Pool()})
	fmt.Println(leaf.DNSNames, leaf.IPAddresses, err)
	// Output: [web.testbed.test localhost] [127.0.0.1] <nil>
}
