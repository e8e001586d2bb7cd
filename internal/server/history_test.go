package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/burnrate"
	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/gate"
	"github.com/slo-dev/slo/internal/server"
	"github.com/slo-dev/slo/internal/slo"
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

// historyCall is one call of Snapshots.History.
type historyCall struct {
	service, slug string
	from, to      time.Time
	limit         int
}

// recordingSnapshot serves the test snapshot and answers History with
// points (or err), recording what it was asked.
type recordingSnapshot struct {
	fixedSnapshot
	points []slo.Status
	err    error
	calls  []historyCall
}

func (r *recordingSnapshot) History(_ context.Context, service, slug string, from, to time.Time, limit int) ([]slo.Status, error) {
	r.calls = append(r.calls, historyCall{service, slug, from, to, limit})
	return r.points, r.err
}

// historyHandler is newHandler with snaps answering history.
func historyHandler(t *testing.T, snaps *recordingSnapshot) http.Handler {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, cfg := &memStore{}, testConfig()
	g := gate.New(snaps.fixedSnapshot, st, quiet, gate.Options{Clock: cfg.Clock})
	if err := g.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	return server.New(snaps, g, quiet, cfg, prometheus.NewRegistry(), prometheus.NewRegistry())
}

// The range and limit of a history request reach Snapshots.History as
// asked, or as defaulted: to now, from one window before to, 500 points.
func TestHistoryPassesRange(t *testing.T) {
	snaps := &recordingSnapshot{fixedSnapshot: fixedSnapshot{snapshot(t)}}
	h := historyHandler(t, snaps)
	const path = "/api/v1/services/checkout/slos/availability/history"
	est := time.FixedZone("EST", -5*3600)
	for _, tc := range []struct {
		query string
		want  historyCall
	}{
		{"?from=2026-11-20T00:00:00Z&to=2026-11-27T12:00:00-05:00&limit=3", historyCall{"checkout", "availability",
			time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 27, 12, 0, 0, 0, est), 3}},
		{"?from=1764201600&limit=5000", historyCall{"checkout", "availability",
			time.Date(2025, 11, 27, 0, 0, 0, 0, time.UTC), now, 5000}},
		{"", historyCall{"checkout", "availability", now.Add(-30 * 24 * time.Hour), now, api.DefaultHistoryPoints}},
	} {
		snaps.calls = nil
		rec := send(t, h, http.MethodGet, path+tc.query, "", nil)
		if rec.Code != http.StatusOK {
			t.Fatalf("%q: status %d: %s", tc.query, rec.Code, rec.Body)
		}
		if len(snaps.calls) != 1 {
			t.Fatalf("%q: History called %d times, want once", tc.query, len(snaps.calls))
		}
		got := snaps.calls[0]
		if got.service != tc.want.service || got.slug != tc.want.slug || !got.from.Equal(tc.want.from) ||
			!got.to.Equal(tc.want.to) || got.limit != tc.want.limit {
			t.Errorf("%q: History(%+v), want %+v", tc.query, got, tc.want)
		}
	}
}

// The points are the statuses History returns, oldest first, with only
// the firing conditions and times in UTC; none is [], not null. The JSON
// below is worked out by hand from the statuses.
func TestHistoryPoints(t *testing.T) {
	page := burnrate.Window{Severity: "page", Long: time.Hour, Short: 5 * time.Minute, Factor: 14.4, BudgetShare: 0.02}
	points := []slo.Status{{
		Name: "availability", Slug: "availability", Target: 0.999, Window: "30d",
		Counts: slo.Counts{Errors: 200, Total: 400000},
		Budget: slo.Budget{Status: slo.StatusOK, SLI: 0.9995, Consumed: 0.5, Remaining: 0.5,
			RemainingEvents: 200, RemainingMinutes: 21.6},
		BurnRates:   map[string]float64{"1h": 0.5, "5m": 2},
		Conditions:  []burnrate.Condition{{Window: page, LongBurn: 0.5, ShortBurn: 2}},
		Coverage:    slo.Coverage{Known: 10 * 24 * time.Hour, Unknown: 20 * 24 * time.Hour},
		EvaluatedAt: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC),
	}, {
		Name: "availability", Slug: "availability", Target: 0.999, Window: "30d",
		Counts: slo.Counts{Errors: 1500, Total: 1e6},
		Budget: slo.Budget{Status: slo.StatusExhausted, SLI: 0.9985, Consumed: 1.5, Remaining: -0.5,
			RemainingEvents: -500, RemainingMinutes: -21.6},
		BurnRates:   map[string]float64{"1h": 20, "5m": 30},
		Conditions:  []burnrate.Condition{{Window: page, LongBurn: 20, ShortBurn: 30, Firing: true}},
		EvaluatedAt: time.Date(2026, 11, 27, 12, 0, 0, 0, time.FixedZone("EST", -5*3600)),
		Error:       "query failed",
	}}
	const path = "/api/v1/services/checkout/slos/availability/history?from=2026-11-20T00:00:00Z&to=2026-11-27T17:00:00Z"
	for _, tc := range []struct {
		name   string
		points []slo.Status
		want   string
	}{
		{"two points", points, `{"from":"2026-11-20T00:00:00Z","points":[` +
			// 10d of 30d known: coverage 1/3; the page condition does not fire.
			`{"at":"2026-11-26T00:00:00Z","errors":200,"total":400000,"sli":0.9995,"consumed":0.5,"remaining":0.5,` +
			`"remaining_events":200,"remaining_minutes":21.6,"status":"ok","burn_rates":{"1h":0.5,"5m":2},"firing":[],` +
			`"coverage":0.3333333333333333,"excluded":{"bad":0,"total":0}},` +
			// 12:00 EST is 17:00Z; a zero Coverage is the whole window.
			`{"at":"2026-11-27T17:00:00Z","errors":1500,"total":1000000,"sli":0.9985,"consumed":1.5,"remaining":-0.5,` +
			`"remaining_events":-500,"remaining_minutes":-21.6,"status":"exhausted","burn_rates":{"1h":20,"5m":30},` +
			`"firing":[{"severity":"page","long":"1h","short":"5m","factor":14.4,"long_burn":20,"short_burn":30}],` +
			`"coverage":1,"excluded":{"bad":0,"total":0},"error":"query failed"}],` +
			`"service":"checkout","slo":"availability","target":0.999,"to":"2026-11-27T17:00:00Z","window":"30d"}`},
		{"none", nil, `{"from":"2026-11-20T00:00:00Z","points":[],` +
			`"service":"checkout","slo":"availability","target":0.999,"to":"2026-11-27T17:00:00Z","window":"30d"}`},
	} {
		h := historyHandler(t, &recordingSnapshot{fixedSnapshot: fixedSnapshot{snapshot(t)}, points: tc.points})
		rec := send(t, h, http.MethodGet, path, "", nil)
		if rec.Code != http.StatusOK || rec.Body.String() != tc.want {
			t.Errorf("%s: status %d\n got %s\nwant %s", tc.name, rec.Code, rec.Body, tc.want)
		}
	}
}

// An SLO or service the snapshot lacks is a 404 without asking for its
// history; one that a reload removed after the snapshot was read
// (engine.ErrUnknownSLO from History) is the same 404.
func TestHistoryUnknown(t *testing.T) {
	for _, tc := range []struct {
		name, path, typ string
		err             error
		calls           int
	}{
		{"unknown service", "/api/v1/services/nope/slos/availability/history", api.ProblemUnknownService, nil, 0},
		{"unknown SLO", "/api/v1/services/checkout/slos/nope/history", api.ProblemUnknownSLO, nil, 0},
		{"removed by a reload", "/api/v1/services/checkout/slos/availability/history", api.ProblemUnknownSLO, engine.ErrUnknownSLO, 1},
	} {
		snaps := &recordingSnapshot{fixedSnapshot: fixedSnapshot{snapshot(t)}, err: tc.err}
		rec := send(t, historyHandler(t, snaps), http.MethodGet, tc.path, "", nil)
		wantProblem(t, rec, http.StatusNotFound, tc.typ, "", "")
		if len(snaps.calls) != tc.calls {
			t.Errorf("%s: History called %d times, want %d", tc.name, len(snaps.calls), tc.calls)
		}
	}
}
