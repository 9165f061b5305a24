// Package register adds the Kubernetes driver to the drivers the testbed
// command and library can choose; it is compiled only with the build tag
// "kubernetes".
package register
