// Package kubernetes is testbed's Kubernetes driver (`--driver kubernetes`).
// It is compiled only with the build tag "kubernetes" (go build -tags
// kubernetes ./cmd/testbed; go test -tags kubernetes ./...): client-go
// doubles the size of the binary and its build time, and the server binary
// in the built-in image needs none of it. The package's own documentation
// is in driver.go.
package kubernetes
