package server_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/slo-dev/slo/internal/api"
)

// Only the allowed host names reach slod, with any port: a DNS rebinding
// page sends its own.
func TestAllowedHosts(t *testing.T) {
	loopback := []string{"localhost", "127.0.0.1", "[::1]"}
	for _, tc := range []struct {
		allowed []string
		host    string
		ok      bool
	}{
		{loopback, "localhost:8080", true},
		{loopback, "LocalHost", true},
		{loopback, "127.0.0.1:1", true},
		{loopback, "[::1]:8080", true},
		{loopback, "[::1]", true},
		{loopback, "rebind.attacker.example:8080", false},
		{loopback, "localhost.attacker.example", false},
		{loopback, "127.0.0.2:8080", false},
		{loopback, "", false},
		{[]string{"slod.internal"}, "slod.internal:443", true},
		{[]string{"slod.internal"}, "localhost:8080", false},
		{nil, "rebind.attacker.example:8080", true},
	} {
		cfg := testConfig()
		cfg.AllowedHosts = tc.allowed
		h := newHandler(t, snapshot(t), &memStore{}, cfg)
		req := httptest.NewRequest(http.MethodGet, "/api/v1/services", nil)
		req.Host = tc.host
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if tc.ok {
			if rec.Code != http.StatusOK {
				t.Errorf("allowed %v, Host %q: status %d, want 200", tc.allowed, tc.host, rec.Code)
			}
			continue
		}
		wantProblem(t, rec, http.StatusMisdirectedRequest, api.ProblemHostNotAllowed, "", "--allowed-hosts")
	}
}
