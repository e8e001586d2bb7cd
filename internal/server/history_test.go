package server_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/slo-dev/slo/internal/api"
)

// from and to are real instants: NaN, infinities and times that overflow
// are a 400 naming the parameter, never a wrapped-around year.
func TestHistoryTimeRange(t *testing.T) {
	const path = "/api/v1/services/checkout/slos/availability/history?"
	h := newHandler(t, snapshot(t), &memStore{}, testConfig())
	for _, tc := range []struct {
		query, field, detail string
	}{
		{"from=NaN", "from", "must be an RFC 3339 time"},
		{"from=nan", "from", "must be an RFC 3339 time"},
		{"from=Inf", "from", "must be from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z"},
		{"to=-Inf", "to", "must be from"},
		{"from=1e300&to=1e301", "to", "must be from"},
		{"from=1e300", "from", "must be from"},
		{"from=-1", "from", "must be from"},
		{"to=253402300800", "to", "must be from"},
		{"from=0000-01-01T00:00:00Z", "from", "must be from"},
		{"from=yesterday", "from", "must be an RFC 3339 time"},
	} {
		rec := send(t, h, http.MethodGet, path+tc.query, "", nil)
		wantProblem(t, rec, http.StatusBadRequest, api.ProblemInvalidParameter, tc.field, tc.detail)
	}
	for query, wantFrom := range map[string]string{
		"from=1764201600.5&to=1764288000": "2025-11-27T00:00:00.5Z",
		"from=0&to=1":                     "1970-01-01T00:00:00Z",
		"from=2026-11-27T00:00:00Z":       "2026-11-27T00:00:00Z",
	} {
		rec := send(t, h, http.MethodGet, path+query, "", nil)
		var got api.History
		if err := json.Unmarshal(rec.Body.Bytes(), &got); rec.Code != http.StatusOK || err != nil {
			t.Fatalf("%s: status %d, %v: %s", query, rec.Code, err, rec.Body)
		}
		if s := got.From.Format("2006-01-02T15:04:05.999999999Z07:00"); s != wantFrom {
			t.Errorf("%s: from %s, want %s", query, s, wantFrom)
		}
	}
}
