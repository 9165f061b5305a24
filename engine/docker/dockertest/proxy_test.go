package dockertest

import "testing"

func TestRoute(t *testing.T) {
	tests := []struct {
		method, path, want string
	}{
		{"HEAD", "/_ping", "HEAD /_ping"},
		{"GET", "/v1.41/info", "GET /info"},
		{"POST", "/v1.41/containers/create", "POST /containers/create"},
		{"GET", "/v1.41/containers/json", "GET /containers/json"},
		{"POST", "/v1.41/containers/3f2a9c/start", "POST /containers/{id}/start"},
		{"DELETE", "/v1.41/containers/3f2a9c", "DELETE /containers/{id}"},
		{"GET", "/v1.41/images/testbed/builtin:ab12/json", "GET /images/{name}/json"},
		{"DELETE", "/v1.41/images/testbed/builtin:ab12", "DELETE /images/{name}"},
		{"POST", "/v1.41/images/load", "POST /images/load"},
		{"POST", "/v1.41/build", "POST /build"},
		{"POST", "/v1.41/networks/create", "POST /networks/create"},
		{"DELETE", "/v1.41/networks/ab12", "DELETE /networks/{id}"},
		{"POST", "/v1.41/exec/ab12/start", "POST /exec/{id}/start"},
	}
	for _, tt := range tests {
		if got := Route(tt.method, tt.path); got != tt.want {
			t.Errorf("Route(%s, %s) = %q, want %q", tt.method, tt.path, got, tt.want)
		}
	}
}
