package server_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/api"
)

// Writes are limited per client address; reads, the read-only gate and
// other clients are not touched, and forwarding headers change nothing.
func TestWriteRateLimit(t *testing.T) {
	clock := now
	cfg := testConfig()
	cfg.Clock = func() time.Time { return clock }
	cfg.RateLimit, cfg.RateBurst = 1, 3
	st := &memStore{}
	h := newHandler(t, snapshot(t), st, cfg)
	const check = "/api/v1/services/checkout/can-deploy"
	post := func(from, path, body string, header map[string]string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		req.RemoteAddr = from + ":40000"
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer tok")
		for k, v := range header {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	for i := range 2 {
		if rec := post("127.0.0.1", check, `{}`, nil); rec.Code != http.StatusOK {
			t.Fatalf("check %d: status %d: %s", i, rec.Code, rec.Body)
		}
	}
	// Override writes share the bucket.
	if rec := post("127.0.0.1", "/api/v1/services/checkout/overrides", `{"reason":"r","actor":"a","duration":"1h"}`, nil); rec.Code != http.StatusCreated {
		t.Fatalf("override: status %d: %s", rec.Code, rec.Body)
	}
	rec := post("127.0.0.1", check, `{}`, nil)
	wantProblem(t, rec, http.StatusTooManyRequests, api.ProblemTooManyRequests, "", "from 127.0.0.1")
	if got := rec.Header().Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After %q, want 1", got)
	}
	if rec := post("127.0.0.1", check, `{}`, map[string]string{"X-Forwarded-For": "203.0.113.7"}); rec.Code != http.StatusTooManyRequests {
		t.Errorf("X-Forwarded-For got a fresh bucket: status %d", rec.Code)
	}
	if rec := post("127.0.0.2", check, `{}`, nil); rec.Code != http.StatusOK {
		t.Errorf("another client: status %d, want 200", rec.Code)
	}
	if rec := post("127.0.0.1", "/api/v1/services/checkout/gate", `{}`, nil); rec.Code != http.StatusOK {
		t.Errorf("read-only gate POST: status %d, want 200 (allowed by the override, not limited)", rec.Code)
	}
	if rec := send(t, h, http.MethodGet, check, "", nil); rec.Code != http.StatusOK {
		t.Errorf("GET: status %d, want 200", rec.Code)
	}
	if len(st.decisions) != 3 {
		t.Errorf("%d decisions logged, want 3 (2 + the other client's)", len(st.decisions))
	}
	clock = clock.Add(time.Second)
	if rec := post("127.0.0.1", check, `{}`, nil); rec.Code != http.StatusOK {
		t.Errorf("a second later: status %d, want 200", rec.Code)
	}
}

// Retry-After says how long until the next token, in whole seconds.
func TestWriteRateLimitRetryAfter(t *testing.T) {
	cfg := testConfig()
	cfg.RateLimit, cfg.RateBurst = 0.1, 1
	h := newHandler(t, snapshot(t), &memStore{}, cfg)
	send(t, h, http.MethodPost, "/api/v1/services/checkout/can-deploy", `{}`, nil)
	rec := send(t, h, http.MethodPost, "/api/v1/services/checkout/can-deploy", `{}`, nil)
	if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "10" {
		t.Errorf("status %d, Retry-After %q, want 429 and 10", rec.Code, rec.Header().Get("Retry-After"))
	}
}
