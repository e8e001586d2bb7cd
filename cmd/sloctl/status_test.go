package main

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/slo"
)

// remainingAfter computes 1-consumed in float64 at run time, as slod does;
// a constant expression like 1-0.8 would be exact.
func remainingAfter(consumed float64) float64 { return 1 - consumed }

func TestBudgetBar(t *testing.T) {
	for _, tc := range []struct {
		remaining float64
		want      string
	}{
		{0.52, "█████░░░░░"}, // 5.2 cells: rounded down to 5
		{0.59, "█████░░░░░"}, // never shows more budget than is left
		{1, "██████████"},
		{0.999, "█████████░"},
		{remainingAfter(0.8), "██░░░░░░░░"}, // 0.19999999999999996: must not lose a cell
		{remainingAfter(0.9), "█░░░░░░░░░"}, // 0.09999999999999998
		{0.1, "█░░░░░░░░░"},
		{0.09, "░░░░░░░░░░"},
		{0, "░░░░░░░░░░"},
		{-0.42, "░░░░░░░░░░"}, // overspent: empty, not negative
		{1.3, "██████████"},   // cannot overflow the bar
	} {
		if got := budgetBar(tc.remaining); got != tc.want {
			t.Errorf("budgetBar(%v) = %s, want %s", tc.remaining, got, tc.want)
		}
	}
}

func TestWorstBurn(t *testing.T) {
	if got, want := worstBurn(map[string]float64{"5m": 0.4, "1h": 3.0, "6h": 2.9}), "3.0x (1h)"; got != want {
		t.Errorf("worstBurn = %q, want %q", got, want)
	}
	if got := worstBurn(nil); got != "-" {
		t.Errorf("worstBurn(nil) = %q, want -", got)
	}
}

// services is what the fake slod lists: checkout denied, search without
// data, billing with a broken slo.yaml.
func services() []api.Service {
	noData := api.SLO{Name: "availability", Target: 0.995, Window: "28d",
		Budget: api.Budget{Status: api.BudgetNoData, Remaining: 1}, BurnRates: map[string]float64{}, Alerts: []api.Alert{}}
	return []api.Service{
		{Service: "checkout", Decision: api.DecisionDeny, Reasons: []api.Reason{exhausted}, Actions: []string{"freeze_releases"},
			EvaluatedAt: &evaluatedAt, SLOs: []api.SLO{availability(), latency()}},
		{Service: "search", Decision: api.DecisionWarn, Allowed: true, Stale: true,
			Reasons:   []api.Reason{{SLO: "availability", Code: slo.CodeInsufficientData, Message: "fewer than 100 events"}},
			LastError: "query prometheus: connection refused", SLOs: []api.SLO{noData}},
		{Service: "billing", Decision: api.DecisionDeny, Reasons: []api.Reason{}, SLOs: []api.SLO{},
			ConfigProblems: []api.SpecProblem{{File: "slos/billing.yaml", Line: 4, Field: "slos[0].target", Message: "must be below 100%"}}},
	}
}

func statusSlod(t *testing.T) *fakeSlod {
	return newFakeSlod(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/services":
			answer(t, w, 200, map[string]any{"services": services()})
		case "/api/v1/services/checkout":
			answer(t, w, 200, services()[0])
		default:
			problem(w, http.StatusNotFound, `service "nope" is not configured`)
		}
	})
}

func TestStatusTable(t *testing.T) {
	env := cleanEnv()
	f := statusSlod(t)
	code, out, errOut := runCLI(t, env, "status", "--server", f.URL)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// stdout is a buffer, not a terminal: no colours.
	if strings.Contains(out, "\x1b[") {
		t.Errorf("escape codes outside a terminal:\n%q", out)
	}
	want := `SERVICE   SLO           TARGET  WINDOW  SLI      BUDGET LEFT      WORST BURN  GATE
checkout  availability  99.9%   30d     99.858%  ░░░░░░░░░░ -42%  2.5x (30m)  deny
checkout  latency       99%     7d      99.520%  █████░░░░░ 52%   3.0x (1h)   deny
search    availability  99.5%   28d     no data  no data          -           warn (stale)
billing   -             -       -       -        -                -           deny

checkout: deny: availability: error budget exhausted: 142% consumed
search: last evaluation failed: query prometheus: connection refused
search: warn: availability: fewer than 100 events
billing: config: slos/billing.yaml:4: slos[0].target: must be below 100%
`
	if out != want {
		t.Errorf("status:\n%s\nwant:\n%s", out, want)
	}
}

func TestStatusOneService(t *testing.T) {
	env := cleanEnv()
	f := statusSlod(t)
	code, out, _ := runCLI(t, env, "status", "checkout", "--server", f.URL, "-o", "json")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	var got api.Service
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if want := services()[0]; !reflect.DeepEqual(got, want) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
	}

	code, _, errOut := runCLI(t, env, "status", "nope", "--server", f.URL)
	if code != exitError || errOut != "sloctl: Not Found: service \"nope\" is not configured\n" {
		t.Errorf("unknown service: exit %d, stderr %q", code, errOut)
	}
}

func TestStatusAllJSON(t *testing.T) {
	env := cleanEnv()
	f := statusSlod(t)
	code, out, _ := runCLI(t, env, "status", "--server", f.URL, "--output", "json")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	var got struct{ Services []api.Service }
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if !reflect.DeepEqual(got.Services, services()) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got.Services, services())
	}
}

func TestStatusNotes(t *testing.T) {
	failed := availability()
	failed.Error = "query prometheus: connection refused"
	services := []api.Service{
		// The summary error repeats the SLO's own: noted once.
		{Service: "checkout", Decision: api.DecisionAllow, LastError: "availability: query prometheus: connection refused",
			SLOs: []api.SLO{failed}},
		// No SLO says why: the summary is noted, its lines indented.
		{Service: "search", Decision: api.DecisionAllow, LastError: "availability: timeout\nlatency: timeout", SLOs: []api.SLO{latency()}},
	}
	var b strings.Builder
	if err := writeStatus(&b, services, false); err != nil {
		t.Fatal(err)
	}
	_, notes, _ := strings.Cut(b.String(), "\n\n")
	want := "checkout/availability: measurement failed: query prometheus: connection refused\n" +
		"search: last evaluation failed: availability: timeout\n  latency: timeout\n"
	if notes != want {
		t.Errorf("notes:\n%s\nwant:\n%s", notes, want)
	}
}

func TestStatusCluster(t *testing.T) {
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	cl := api.Cluster{Backend: "postgres", Self: "slod-b", Leader: "slod-a", Token: 7, LeaseSeconds: 15, LeaseAgeSeconds: 90, ExpiresInSeconds: 12, Now: &now,
		Replicas: []api.Replica{
			{ID: "slod-a", URL: "http://10.0.0.1:8080", Version: "v1.2.0", SeenAt: now.Add(-3 * time.Second), Leader: true, Healthy: true},
			{ID: "slod-b", URL: "http://10.0.0.2:8080", Version: "v1.2.0", SeenAt: now.Add(-time.Second), Self: true, Healthy: true},
			{ID: "slod-c", URL: "http://10.0.0.3:8080", Version: "v1.1.0", SeenAt: now.Add(-40 * time.Second)},
		}}
	f := newFakeSlod(t, func(w http.ResponseWriter, r *http.Request) { answer(t, w, http.StatusOK, cl) })
	code, out, errOut := runCLI(t, cleanEnv(), "status", "--cluster", "--server", f.URL)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := `REPLICA            URL                   VERSION  ROLE      LAST SEEN  HEALTHY
slod-a             http://10.0.0.1:8080  v1.2.0   leader    3s ago     yes
slod-b (answered)  http://10.0.0.2:8080  v1.2.0   follower  1s ago     yes
slod-c             http://10.0.0.3:8080  v1.1.0   follower  40s ago    no

store: postgres; leader slod-a, token 7, term 90s old, lease renewed within 12s (lease 15s)
`
	if out != want {
		t.Errorf("status --cluster:\n%s\nwant:\n%s", out, want)
	}
	if seen := f.seen(); len(seen) != 1 || seen[0].Path != "/api/v1/cluster" {
		t.Errorf("requests %+v, want one GET /api/v1/cluster", seen)
	}
	if code, _, _ := runCLI(t, cleanEnv(), "status", "checkout", "--cluster", "--server", f.URL); code != exitError {
		t.Errorf("status SERVICE --cluster: exit %d, want %d", code, exitError)
	}
}
