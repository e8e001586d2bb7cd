package server_test

import (
	"net/http"
	"testing"

	"github.com/slo-dev/slo/internal/api"
)

// A write with a body must say it is JSON: the text/plain and form posts
// a web page can make a browser send never reach the decision log.
func TestWritesRequireJSON(t *testing.T) {
	const check = "/api/v1/services/checkout/can-deploy"
	body := `{"priority":"normal","actor":"forged"}`
	for _, tc := range []struct {
		name, method, path, body, contentType string
		status                                int
	}{
		{"text/plain", http.MethodPost, check, body, "text/plain", http.StatusUnsupportedMediaType},
		{"form", http.MethodPost, check, "actor=forged", "application/x-www-form-urlencoded", http.StatusUnsupportedMediaType},
		{"empty form", http.MethodPost, check, "", "application/x-www-form-urlencoded", http.StatusUnsupportedMediaType},
		{"no Content-Type", http.MethodPost, check, body, "", http.StatusUnsupportedMediaType},
		{"JSON lookalike", http.MethodPost, check, body, "application/jsonx", http.StatusUnsupportedMediaType},
		{"override", http.MethodPost, "/api/v1/services/checkout/overrides", `{"reason":"r","actor":"a","duration":"1h"}`, "text/plain", http.StatusUnsupportedMediaType},
		{"revoke with a body", http.MethodDelete, "/api/v1/services/checkout/overrides/1", `{}`, "text/plain", http.StatusUnsupportedMediaType},
		{"JSON", http.MethodPost, check, body, "application/json", http.StatusOK},
		{"JSON with charset", http.MethodPost, check, body, "Application/JSON; charset=utf-8", http.StatusOK},
		{"no body", http.MethodPost, check, "", "", http.StatusOK},
		{"GET ignores it", http.MethodGet, check, "", "text/plain", http.StatusOK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &memStore{}
			h := newHandler(t, snapshot(t), st, testConfig())
			rec := send(t, h, tc.method, tc.path, tc.body, map[string]string{"Content-Type": tc.contentType, "Authorization": "Bearer tok"})
			if tc.status != http.StatusUnsupportedMediaType {
				if rec.Code != tc.status {
					t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
				}
				return
			}
			wantProblem(t, rec, tc.status, api.ProblemUnsupportedMediaType, "", "application/json")
			if len(st.decisions) != 0 || len(st.overrides) != 0 {
				t.Errorf("refused request was written: %+v %+v", st.decisions, st.overrides)
			}
		})
	}
}
