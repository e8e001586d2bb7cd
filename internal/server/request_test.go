package server_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/server"
)

// testConfig is a server with one write token and the test clock.
func testConfig() server.Config {
	return server.Config{Tokens: []string{"tok"}, Clock: func() time.Time { return now }}
}

// send serves one request through h. A body is sent as JSON unless header
// names another Content-Type.
func send(t *testing.T, h http.Handler, method, path, body string, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// problemOf decodes a problem answer, failing the test for anything else.
func problemOf(t *testing.T, rec *httptest.ResponseRecorder) api.Problem {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("status %d, Content-Type %q, want a problem: %s", rec.Code, ct, rec.Body)
	}
	var p api.Problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatalf("problem is not JSON: %v: %s", err, rec.Body)
	}
	return p
}

// wantProblem checks status, type and field of a problem answer, and that
// its detail mentions detail.
func wantProblem(t *testing.T, rec *httptest.ResponseRecorder, status int, typ, field, detail string) {
	t.Helper()
	p := problemOf(t, rec)
	if rec.Code != status || p.Status != status || p.Type != typ || p.Field != field || !strings.Contains(p.Detail, detail) {
		t.Errorf("got %d %+v, want %d %s field %q with detail containing %q", rec.Code, p, status, typ, field, detail)
	}
}
