package server_test

import (
	"net/http"
	"testing"
)

// API answers, errors included, are never cached nor sniffed; the
// dashboard may be cached but is revalidated.
func TestAnswerHeaders(t *testing.T) {
	h := newHandler(t, snapshot(t), &memStore{}, testConfig())
	for _, tc := range []struct {
		method, path, body string
		cache              string
	}{
		{http.MethodGet, "/api/v1/services", "", "no-store"},
		{http.MethodGet, "/api/v1/services/checkout/can-deploy", "", "no-store"},
		{http.MethodPost, "/api/v1/services/checkout/can-deploy", `{"priority":"normal"}`, "no-store"},
		{http.MethodGet, "/api/v1/services/nope", "", "no-store"},
		{http.MethodGet, "/api/v1/nothing", "", "no-store"},
		{http.MethodGet, "/healthz", "", "no-store"},
		{http.MethodGet, "/metrics", "", "no-store"},
		{http.MethodGet, "/", "", "no-cache"},
		{http.MethodGet, "/static/app.css", "", "no-cache"},
	} {
		rec := send(t, h, tc.method, tc.path, tc.body, nil)
		if got := rec.Header().Get("Cache-Control"); got != tc.cache {
			t.Errorf("%s %s (%d): Cache-Control %q, want %q", tc.method, tc.path, rec.Code, got, tc.cache)
		}
		if got := rec.Header().Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s %s (%d): X-Content-Type-Options %q, want nosniff", tc.method, tc.path, rec.Code, got)
		}
	}
}
