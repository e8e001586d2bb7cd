package app

import (
	"net"
	"slices"
	"testing"
)

// A loopback slod answers only to loopback names unless told otherwise;
// one bound to every interface answers to any.
func TestAllowedHosts(t *testing.T) {
	loopback := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}
	for _, tc := range []struct {
		name       string
		configured []string
		addr       net.Addr
		want       []string
	}{
		{"loopback default", nil, loopback, []string{"localhost", "127.0.0.1", "[::1]"}},
		{"other loopback address", nil, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}, []string{"localhost", "127.0.0.1", "[::1]", "127.0.0.2"}},
		{"IPv6 loopback", nil, &net.TCPAddr{IP: net.IPv6loopback}, []string{"localhost", "127.0.0.1", "[::1]"}},
		{"all interfaces", nil, &net.TCPAddr{IP: net.IPv4zero}, nil},
		{"configured", []string{"slod.internal"}, loopback, []string{"slod.internal"}},
		{"any", []string{"*"}, loopback, nil},
	} {
		if got := allowedHosts(tc.configured, tc.addr); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
