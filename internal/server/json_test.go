package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slo-dev/slo/internal/burnrate"
	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/gate"
	"github.com/slo-dev/slo/internal/server"
	"github.com/slo-dev/slo/internal/slo"
)

// update rewrites the golden files from the current answers; review the
// diff before committing it, since docs/design.md forbids renaming fields.
var update = flag.Bool("update", false, "rewrite testdata/api/*.json")

var now = time.Date(2026, 11, 27, 18, 0, 0, 0, time.UTC)

// memStore keeps decisions and overrides in memory.
type memStore struct {
	decisions []slo.DecisionRecord
	overrides []slo.Override
}

func (m *memStore) RecordDecision(_ context.Context, d slo.DecisionRecord) (int64, error) {
	d.ID = int64(len(m.decisions) + 1)
	m.decisions = append(m.decisions, d)
	return d.ID, nil
}

func (m *memStore) Decisions(context.Context, slo.DecisionQuery) ([]slo.DecisionRecord, error) {
	return m.decisions, nil
}

func (m *memStore) CreateOverride(_ context.Context, o slo.Override) (slo.Override, error) {
	o.ID = int64(len(m.overrides) + 1)
	m.overrides = append(m.overrides, o)
	return o, nil
}

func (m *memStore) Overrides(_ context.Context, service string, activeAt *time.Time) ([]slo.Override, error) {
	var out []slo.Override
	for _, o := range m.overrides {
		if (service == "" || o.Service == service) && (activeAt == nil || o.ActiveAt(*activeAt)) {
			out = append(out, o)
		}
	}
	return out, nil
}

func (m *memStore) RevokeOverride(_ context.Context, id int64, by string, at time.Time) (slo.Override, error) {
	o := &m.overrides[id-1]
	o.RevokedAt, o.RevokedBy = &at, by
	return *o, nil
}

// newHandler builds the server as slod does: over a gate on the same
// snapshot, store and clock.
func newHandler(t *testing.T, snap *engine.Snapshot, st *memStore, cfg server.Config) http.Handler {
	t.Helper()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	g := gate.New(fixedSnapshot{snap}, st, quiet, gate.Options{Clock: cfg.Clock})
	if err := g.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	return server.New(fixedSnapshot{snap}, g, quiet, cfg, prometheus.NewRegistry(), prometheus.NewRegistry())
}

type fixedSnapshot struct{ snap *engine.Snapshot }

func (f fixedSnapshot) Snapshot() *engine.Snapshot { return f.snap }

// History answers as engine.Engine.History does for an SLO the snapshot
// lacks, and with historyStatuses for every other.
func (f fixedSnapshot) History(_ context.Context, service, slug string, _, _ time.Time, _ int) ([]slo.Status, error) {
	for _, o := range f.snap.Services[service].Spec.SLOs {
		if o.Slug == slug {
			return historyStatuses(), nil
		}
	}
	return nil, engine.ErrUnknownSLO
}

// historyStatuses is one point of checkout's availability a minute ago,
// its numbers written out so that testdata/api/history.json can be checked
// by hand: 1420 errors of 1e6 events spend 1.42 of a 99.9% budget (1000
// events), burning at 15 over 1h and 16 over 5m, so that the page
// condition 1h/5m (factor 14.4) fires and 6h/30m (factor 6, no 6h data)
// does not. The ledger held the whole window (coverage 1).
func historyStatuses() []slo.Status {
	return []slo.Status{{
		Name: "availability", Slug: "availability", Target: 0.999, Window: "30d",
		Counts: slo.Counts{Errors: 1420, Total: 1e6},
		Budget: slo.Budget{
			Status: slo.StatusExhausted, SLI: 0.99858, Consumed: 1.42, Remaining: -0.42,
			RemainingEvents: -420, RemainingMinutes: -18.1,
		},
		BurnRates: map[string]float64{"1h": 15, "5m": 16},
		Conditions: []burnrate.Condition{
			{Window: burnrate.Window{Severity: "page", Long: time.Hour, Short: 5 * time.Minute, Factor: 14.4, BudgetShare: 0.02},
				LongBurn: 15, ShortBurn: 16, Firing: true},
			{Window: burnrate.Window{Severity: "page", Long: 6 * time.Hour, Short: 30 * time.Minute, Factor: 6, BudgetShare: 0.05},
				NoData: true},
		},
		Coverage:    slo.Coverage{Known: 30 * 24 * time.Hour},
		EvaluatedAt: now.Add(-time.Minute),
	}}
}

// snapshot holds checkout, whose availability budget is spent and burning
// fast, and search, which has never been measured.
func snapshot(t *testing.T) *engine.Snapshot {
	t.Helper()
	spec := func(yaml string) slo.Spec {
		s, problems := slo.Parse(yaml+".yaml", []byte(yaml))
		if len(problems) > 0 {
			t.Fatal(problems)
		}
		return s
	}
	checkout := spec(`service: checkout
owner: team-payments
labels: {tier: "1"}
slos:
  - name: availability
    description: Successful HTTP responses
    target: 99.9%
    window: 30d
    sli:
      events:
        errors: sum(rate(errors[{{.window}}]))
        total: sum(rate(requests[{{.window}}]))
`)
	search := spec(`service: search
slos:
  - name: latency
    target: 99%
    window: 7d
    sli:
      latency: {metric: http_request_duration_seconds, threshold: 500ms}
`)
	o := checkout.SLOs[0]
	counts := slo.Counts{Errors: 1420, Total: 1e6}
	exhaustion := 0.0
	return &engine.Snapshot{
		Ready: true,
		Services: map[string]engine.ServiceState{
			"checkout": {
				Spec: checkout,
				SLOs: []slo.Status{{
					Name: o.Name, Slug: o.Slug, Target: o.Target, Window: "30d", Counts: counts,
					Budget:    slo.ComputeBudget(o.Target, o.Window, counts, 100),
					BurnRates: map[string]float64{"5m": 16, "1h": 15},
					Conditions: burnrate.Evaluate(burnrate.Windows(o.Window),
						map[time.Duration]float64{5 * time.Minute: 16, time.Hour: 15}),
					ExhaustionSeconds: &exhaustion,
					EvaluatedAt:       now.Add(-time.Minute),
				}},
				LastAttempt:    now.Add(-time.Minute),
				ConfigProblems: []slo.Problem{{File: "checkout.yaml", Line: 3, Field: "labels", Message: "example"}},
			},
			"search": {
				Spec: search,
				SLOs: []slo.Status{{Name: "latency", Slug: "latency", Target: 0.99, Window: "7d",
					Budget: slo.ComputeBudget(0.99, 7*24*time.Hour, slo.Counts{}, 100), Error: "query failed"}},
				Stale:     true,
				LastError: "latency: query failed",
			},
		},
		Orphans: []slo.Problem{{File: "broken.yaml", Line: 1, Field: "service", Message: "service is required"}},
	}
}

// TestAPIJSON pins the bytes of each answer: docs/design.md's "HTTP API" lets
// fields be added but never renamed, and the dashboard, sloctl and CI
// templates read them by name.
func TestAPIJSON(t *testing.T) {
	st := &memStore{}
	h := newHandler(t, snapshot(t), st, server.Config{Tokens: []string{"tok"}, Clock: func() time.Time { return now }})
	for _, tc := range []struct {
		golden, method, path, body string
		status                     int
	}{
		{"services", http.MethodGet, "/api/v1/services", "", http.StatusOK},
		{"service", http.MethodGet, "/api/v1/services/search", "", http.StatusOK},
		{"can-deploy-get", http.MethodGet, "/api/v1/services/checkout/can-deploy?priority=normal", "", http.StatusOK},
		{"can-deploy-post", http.MethodPost, "/api/v1/services/checkout/can-deploy",
			`{"priority":"critical","version":"v1.2.3","actor":"alice","pipeline":"https://ci/1"}`, http.StatusOK},
		{"decisions", http.MethodGet, "/api/v1/decisions", "", http.StatusOK},
		{"override-create", http.MethodPost, "/api/v1/services/checkout/overrides",
			`{"reason":"INC-1","actor":"bob","duration":"2h"}`, http.StatusCreated},
		{"can-deploy-overridden", http.MethodGet, "/api/v1/services/checkout/can-deploy", "", http.StatusOK},
		{"service-overridden", http.MethodGet, "/api/v1/services/checkout", "", http.StatusOK},
		{"overrides", http.MethodGet, "/api/v1/services/checkout/overrides", "", http.StatusOK},
		{"override-revoke", http.MethodDelete, "/api/v1/services/checkout/overrides/1?actor=carol", "", http.StatusOK},
		{"history", http.MethodGet, "/api/v1/services/checkout/slos/availability/history?from=2026-11-27T00:00:00Z", "", http.StatusOK},
		{"problem-unknown-service", http.MethodGet, "/api/v1/services/nope", "", http.StatusNotFound},
		{"problem-bad-field", http.MethodPost, "/api/v1/services/checkout/overrides", `{"reason":"x","actor":"bob"}`, http.StatusBadRequest},
	} {
		req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
		if tc.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("X-Request-ID", "req-"+tc.golden)
		req.Header.Set("Authorization", "Bearer tok")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.status {
			t.Fatalf("%s %s: status %d, want %d: %s", tc.method, tc.path, rec.Code, tc.status, rec.Body)
		}
		checkGolden(t, filepath.Join("testdata", "api", tc.golden+".json"), rec.Body.Bytes())
	}
}

// checkGolden compares body with the golden file, both compacted, so that
// the file can be indented for review while field order still counts.
func checkGolden(t *testing.T, path string, body []byte) {
	t.Helper()
	if *update {
		var b bytes.Buffer
		if err := json.Indent(&b, body, "", "  "); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		b.WriteByte('\n')
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	var w bytes.Buffer
	if err := json.Compact(&w, want); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if !bytes.Equal(w.Bytes(), body) {
		t.Errorf("%s differs from the answer:\n got %s\nwant %s", path, body, w.Bytes())
	}
}
