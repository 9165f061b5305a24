package ftpd

import (
	"slices"
	"testing"
)

func TestParsePorts(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    []int
		wantErr bool
	}{
		{"", nil, false},
		{" ", nil, false},
		{"30000", []int{30000}, false},
		{"30000-30003", []int{30000, 30001, 30002, 30003}, false},
		{"30000,30001", []int{30000, 30001}, false},
		{"30000-30001, 30005", []int{30000, 30001, 30005}, false},
		{"30001-30000", nil, true},
		{"0", nil, true},
		{"65536", nil, true},
		{"30000,30000", nil, true},
		{"30000-30002,30001", nil, true},
		{"abc", nil, true},
		{"30000-", nil, true},
		{"1-65535", nil, true},
		{",", nil, true},
	} {
		got, err := ParsePorts(tc.in)
		if (err != nil) != tc.wantErr || !slices.Equal(got, tc.want) {
			t.Errorf("ParsePorts(%q) = %v, %v; want %v, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}
