package server_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/slo"
)

const day = 24 * time.Hour

// partialSnapshot holds billing, whose two 30d SLOs are fresh and well
// within budget but cover only part of their window: availability is
// still loading (Known 10d, Unknown 20d; 300 of 900 buckets), latency
// lost 2d to Prometheus' retention (Known 28d, Missing 2d; 720 of 720
// buckets, since buckets known to be gone count as done).
func partialSnapshot(t *testing.T) *engine.Snapshot {
	t.Helper()
	spec, problems := slo.Parse("billing.yaml", []byte(`service: billing
slos:
  - name: availability
    target: 99.9%
    window: 30d
    sli: {events: {errors: 'sum(rate(e[{{.window}}]))', total: 'sum(rate(t[{{.window}}]))'}}
  - name: latency
    target: 99.9%
    window: 30d
    sli: {events: {errors: 'sum(rate(slow[{{.window}}]))', total: 'sum(rate(t[{{.window}}]))'}}
`))
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	// 100 errors of 1e6 spend a tenth of a 99.9% budget: no budget reason.
	counts := slo.Counts{Errors: 100, Total: 1e6}
	status := func(o slo.SLO, c slo.Coverage) slo.Status {
		return slo.Status{
			Name: o.Name, Slug: o.Slug, Target: o.Target, Window: "30d", Counts: counts,
			Budget:      slo.ComputeBudget(o.Target, o.Window, counts, 100),
			BurnRates:   map[string]float64{},
			Coverage:    c,
			EvaluatedAt: now.Add(-time.Minute),
		}
	}
	return &engine.Snapshot{
		Ready: true,
		Services: map[string]engine.ServiceState{"billing": {
			Spec: spec,
			SLOs: []slo.Status{
				status(spec.SLOs[0], slo.Coverage{Known: 10 * day, Unknown: 20 * day}),
				status(spec.SLOs[1], slo.Coverage{Known: 28 * day, Missing: 2 * day}),
			},
			Backfill:    []engine.Progress{{Done: 300, Total: 900}, {Done: 720, Total: 720}},
			LastAttempt: now.Add(-time.Minute),
		}},
	}
}

// An SLO whose history is still loading says so: coverage partial with
// its share and seconds, its own backfill, the service's backfill summed
// over its SLOs, and a partial_history warning naming the loading.
func TestPartialCoverage(t *testing.T) {
	h := newHandler(t, partialSnapshot(t), &memStore{}, testConfig())

	rec := send(t, h, http.MethodGet, "/api/v1/services/billing", "", nil)
	var svc api.Service
	if err := json.Unmarshal(rec.Body.Bytes(), &svc); rec.Code != http.StatusOK || err != nil {
		t.Fatalf("status %d, %v: %s", rec.Code, err, rec.Body)
	}
	if len(svc.SLOs) != 2 {
		t.Fatalf("%d SLOs, want 2: %s", len(svc.SLOs), rec.Body)
	}
	// 10d of 30d is 1/3; 10d = 864000 s, 20d = 1728000 s.
	wantCoverage := []api.Coverage{
		{Partial: true, Share: 1.0 / 3, KnownSeconds: 864000, MissingSeconds: 0, UnknownSeconds: 1728000},
		// 28d of 30d is 14/15; 28d = 2419200 s, 2d = 172800 s.
		{Partial: true, Share: 14.0 / 15, KnownSeconds: 2419200, MissingSeconds: 172800, UnknownSeconds: 0},
	}
	wantBackfill := []api.Backfill{{Done: 300, Total: 900, Complete: false}, {Done: 720, Total: 720, Complete: true}}
	for i, s := range svc.SLOs {
		if s.Coverage != wantCoverage[i] {
			t.Errorf("%s: coverage %+v, want %+v", s.Slug, s.Coverage, wantCoverage[i])
		}
		if s.Backfill != wantBackfill[i] {
			t.Errorf("%s: backfill %+v, want %+v", s.Slug, s.Backfill, wantBackfill[i])
		}
	}
	// 300+720 of 900+720.
	if want := (api.Backfill{Done: 1020, Total: 1620, Complete: false}); svc.Backfill != want {
		t.Errorf("service backfill %+v, want %+v", svc.Backfill, want)
	}
	// pct(1/3) rounds to 33.3%; partial history only warns.
	wantReasons := []api.Reason{
		{SLO: "availability", Code: slo.CodePartialHistory, Decision: "warn",
			Message: "numbers cover 10d of the 30d window; history loading 33.3%"},
		{SLO: "latency", Code: slo.CodePartialHistory, Decision: "warn",
			Message: "numbers cover 28d of the 30d window; 2d no longer held by Prometheus"},
	}
	if !reflect.DeepEqual(svc.Reasons, wantReasons) || svc.Decision != "warn" || !svc.Allowed {
		t.Errorf("decision %s (allowed %v), reasons %+v, want warn (allowed) with %+v", svc.Decision, svc.Allowed, svc.Reasons, wantReasons)
	}

	// The can-deploy answer gives the same reasons and SLO coverage.
	rec = send(t, h, http.MethodGet, "/api/v1/services/billing/can-deploy", "", nil)
	var d api.Decision
	if err := json.Unmarshal(rec.Body.Bytes(), &d); rec.Code != http.StatusOK || err != nil {
		t.Fatalf("can-deploy: status %d, %v: %s", rec.Code, err, rec.Body)
	}
	if !reflect.DeepEqual(d.Reasons, wantReasons) || !d.Allowed {
		t.Errorf("can-deploy: allowed %v, reasons %+v, want %+v", d.Allowed, d.Reasons, wantReasons)
	}
	if len(d.SLOs) != 2 || d.SLOs[0].Coverage != wantCoverage[0] || d.SLOs[0].Backfill != wantBackfill[0] {
		t.Errorf("can-deploy: SLOs %+v, want availability with coverage %+v and backfill %+v", d.SLOs, wantCoverage[0], wantBackfill[0])
	}

	// The wire names, not only the Go fields, are the ones clients read.
	var raw struct {
		Backfill map[string]any `json:"backfill"`
		SLOs     []struct {
			Coverage map[string]any `json:"coverage"`
		} `json:"slos"`
	}
	rec = send(t, h, http.MethodGet, "/api/v1/services/billing", "", nil)
	if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	if raw.SLOs[0].Coverage["partial"] != true || raw.SLOs[0].Coverage["share"] != 1.0/3 || raw.Backfill["done"] != 1020.0 {
		t.Errorf("raw JSON %s", rec.Body)
	}
}
