package server_test

import (
	"net/http"
	"testing"

	"github.com/slo-dev/slo/internal/api"
)

// The bearer scheme is case-insensitive (RFC 7235); the token is not.
func TestBearerScheme(t *testing.T) {
	for _, tc := range []struct {
		header string
		status int
	}{
		{"Bearer tok", http.StatusCreated},
		{"bearer tok", http.StatusCreated},
		{"BEARER tok", http.StatusCreated},
		{"bEaReR  tok ", http.StatusCreated},
		{"Bearer TOK", http.StatusUnauthorized},
		{"Basic tok", http.StatusUnauthorized},
		{"Bearertok", http.StatusUnauthorized},
		{"", http.StatusUnauthorized},
	} {
		h := newHandler(t, snapshot(t), &memStore{}, testConfig())
		rec := send(t, h, http.MethodPost, "/api/v1/services/checkout/overrides", `{"reason":"r","actor":"a","duration":"1h"}`,
			map[string]string{"Authorization": tc.header})
		if rec.Code != tc.status {
			t.Errorf("Authorization %q: status %d, want %d: %s", tc.header, rec.Code, tc.status, rec.Body)
		}
		if tc.status == http.StatusUnauthorized {
			wantProblem(t, rec, http.StatusUnauthorized, api.ProblemUnauthorized, "", "token")
		}
	}
}
