package main

import "testing"

func TestCheckLoopback(t *testing.T) {
	for _, tc := range []struct {
		listen string
		ok     bool
	}{
		{"127.0.0.1:9091", true},
		{"127.0.0.1:0", true},
		{"[::1]:0", true},
		{"localhost:9091", true},
		{"0.0.0.0:9091", false},
		{":9091", false}, // every interface
		{"192.0.2.1:9091", false},
		{"127.0.0.1", false}, // no port
	} {
		if err := checkLoopback(tc.listen); (err == nil) != tc.ok {
			t.Errorf("checkLoopback(%q) = %v, want ok=%v", tc.listen, err, tc.ok)
		}
	}
}
