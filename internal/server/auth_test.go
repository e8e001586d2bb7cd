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

// With RequireTokenForChecks, a POSTed check needs a token like an
// override; unaudited reads do not.
func TestRequireTokenForChecks(t *testing.T) {
	const check = "/api/v1/services/checkout/can-deploy"
	for _, tc := range []struct {
		name, method, auth string
		require            bool
		status             int
	}{
		{"off: no token", http.MethodPost, "", false, http.StatusOK},
		{"on: no token", http.MethodPost, "", true, http.StatusUnauthorized},
		{"on: wrong token", http.MethodPost, "Bearer nope", true, http.StatusUnauthorized},
		{"on: token", http.MethodPost, "Bearer tok", true, http.StatusOK},
		{"on: GET needs none", http.MethodGet, "", true, http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			cfg.RequireTokenForChecks = tc.require
			st := &memStore{}
			h := newHandler(t, snapshot(t), st, cfg)
			body := ""
			if tc.method == http.MethodPost {
				body = `{"priority":"normal","actor":"alice"}`
			}
			rec := send(t, h, tc.method, check, body, map[string]string{"Authorization": tc.auth})
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			if tc.status == http.StatusUnauthorized {
				wantProblem(t, rec, http.StatusUnauthorized, api.ProblemUnauthorized, "", "token")
				if len(st.decisions) != 0 {
					t.Errorf("unauthorized check was logged: %+v", st.decisions)
				}
			}
		})
	}
}
