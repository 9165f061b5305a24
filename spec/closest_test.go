package spec

import "testing"

func TestClosest(t *testing.T) {
	known := []string{"tcp", "http", "ports", "image", "healthcheck"}
	tests := []struct{ key, want string }{
		{"tpc", "tcp"},     // a swap is one edit
		{"htp", "http"},    // a deletion
		{"portz", "ports"}, // a substitution
		{"Image", "image"}, // case aside
		{"helthchek", "healthcheck"},
		{"xyz", ""}, // nothing close
		{"udp", ""}, // two edits is too many for a short key
	}
	for _, tt := range tests {
		if got := Closest(tt.key, known); got != tt.want {
			t.Errorf("Closest(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}
