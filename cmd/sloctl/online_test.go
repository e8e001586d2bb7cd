package main

import (
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/demo/synth"
	"github.com/slo-dev/slo/internal/testing/proctest"
	"github.com/slo-dev/slo/internal/testing/promtest"
)

// onlineCheckout is fed by the checkout scenario: every query has data.
const onlineCheckout = `service: checkout
slos:
  - name: availability
    target: 99%
    window: 30d
    sli:
      events:
        errors: sum(rate(http_requests_total{service="checkout",code=~"5.."}[{{.window}}]))
        total: sum(rate(http_requests_total{service="checkout"}[{{.window}}]))
  - name: latency
    target: 99%
    window: 7d
    sli:
      latency:
        metric: http_request_duration_seconds
        selector: '{service="checkout"}'
        threshold: 300ms
`

// onlineSearch passes the offline checks, but Prometheus disagrees with
// four of its five SLOs; the first only has no 503s yet.
const onlineSearch = `service: search
slos:
  - name: no 503s yet
    target: 99.9%
    window: 7d
    sli:
      events:
        errors: sum(rate(http_requests_total{service="search",code="503"}[{{.window}}]))
        total: sum(rate(http_requests_total{service="search"}[{{.window}}]))
  - name: typo in total
    target: 99.9%
    window: 7d
    sli:
      events:
        errors: sum(rate(http_requests_total{service="search",code=~"5.."}[{{.window}}]))
        total: sum(rate(http_requests_total{service="serch"}[{{.window}}]))
  - name: good by code
    target: 99.9%
    window: 7d
    sli:
      events:
        good: sum(rate(http_requests_total{service="search",code="2OO"}[{{.window}}]))
        total: sum(rate(http_requests_total{service="search"}[{{.window}}]))
  - name: latency off bucket
    target: 99%
    window: 7d
    sli:
      latency:
        metric: http_request_duration_seconds
        selector: '{service="search"}'
        threshold: 250ms
  - name: per code
    target: 99.9%
    window: 7d
    sli:
      events:
        errors: sum(rate(http_requests_total{service="search",code=~"5.."}[{{.window}}]))
        total: sum by (code) (rate(http_requests_total{service="search"}[{{.window}}]))
`

// onlineJSON mirrors the --output json contract of an online check,
// decoded independently of the types that produce it.
type onlineJSON struct {
	Valid    bool          `json:"valid"`
	Problems []problemJSON `json:"problems"`
	Online   *struct {
		Prometheus string        `json:"prometheus"`
		Notes      []problemJSON `json:"notes"`
		Queries    []struct {
			File    string   `json:"file"`
			Service string   `json:"service"`
			SLO     string   `json:"slo"`
			Role    string   `json:"role"`
			Field   string   `json:"field"`
			Range   string   `json:"range"`
			Query   string   `json:"query"`
			Result  string   `json:"result"`
			Value   *float64 `json:"value"`
			Error   string   `json:"error"`
		} `json:"queries"`
	} `json:"online"`
}

type problemJSON struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

// TestValidateOnline runs validate --online against a real Prometheus
// holding 31 days of checkout and search traffic.
func TestValidateOnline(t *testing.T) {
	now := time.Now()
	latency := &synth.Latency{Buckets: []float64{0.1, 0.3, 1}, Threshold: 0.3}
	srv := promtest.Start(t,
		synth.Scenario{Service: "checkout", Start: now.Add(-31 * synth.Day), End: now.Add(promtest.Lead), Step: 5 * time.Minute,
			Default: synth.Traffic{RPS: 10, ErrorRatio: 0.01, SlowRatio: 0.005}, Latency: latency},
		synth.Scenario{Service: "search", Start: now.Add(-31 * synth.Day), End: now.Add(promtest.Lead), Step: 5 * time.Minute,
			Default: synth.Traffic{RPS: 5, ErrorRatio: 0.002}, Latency: latency},
	)
	root := writeTree(t, map[string]string{"checkout/slo.yaml": onlineCheckout, "search/slo.yaml": onlineSearch})
	checkout, search := filepath.Join(root, "checkout", "slo.yaml"), filepath.Join(root, "search", "slo.yaml")

	t.Run("all queries have data", func(t *testing.T) {
		env := testEnv{"SLOCTL_PROMETHEUS_URL": srv.URL} // the default when --prometheus-url is not given
		code, stdout, stderr := runCLI(t, env, "validate", "--online", checkout)
		want := "ok: 1 service, 2 SLOs in 1 file\nonline: 4 queries against " + srv.URL + ": 4 with data, 0 without series, 0 failed\n"
		if code != exitOK || stdout != want {
			t.Errorf("exit %d, stdout:\n%s\nwant\n%s\nstderr: %s", code, stdout, want, stderr)
		}
	})

	t.Run("problems and a note", func(t *testing.T) {
		code, stdout, stderr := runCLI(t, nil, "validate", "--online", "--prometheus-url", srv.URL, root)
		if code != exitNo || !strings.Contains(stderr, "sloctl: 4 problems in 1 file") {
			t.Errorf("exit %d, stderr %q; want 1 and 4 problems in 1 file", code, stderr)
		}
		lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
		want := []struct{ prefix, fragment string }{
			{search + `: slos[1].sli.events.total: SLO "typo in total": the total query returned no series over the 1w window (604800s);`, `{service="serch"}`},
			{search + `: slos[2].sli.events.good: SLO "good by code": the good query returned no series over the 1w window (604800s);`, `code="2OO"`},
			{search + `: slos[3].sli.latency: SLO "latency off bucket": the good query returned no series over the 1w window (604800s);`, "no http_request_duration_seconds_bucket series has le=0.25"},
			{search + `: slos[4].sli.events.total: SLO "per code": the total query failed:`, "3 series returned, want one"},
			{"note: " + search + `: slos[0].sli.events.errors: SLO "no 503s yet": the errors query returned no series over the 1w window (604800s);`, "zero bad events"},
			{"online: 14 queries against " + srv.URL + ": 9 with data, 4 without series, 1 failed", ""},
		}
		if len(lines) != len(want) {
			t.Fatalf("stdout has %d lines, want %d:\n%s", len(lines), len(want), stdout)
		}
		for i, w := range want {
			if !strings.HasPrefix(lines[i], w.prefix) || !strings.Contains(lines[i], w.fragment) {
				t.Errorf("line %d = %s\nwant it to start %s and hold %s", i, lines[i], w.prefix, w.fragment)
			}
		}
	})

	t.Run("json", func(t *testing.T) {
		code, stdout, _ := runCLI(t, nil, "validate", "--online", "--prometheus-url", srv.URL, root, "-o", "json")
		var r onlineJSON
		if err := json.Unmarshal([]byte(stdout), &r); err != nil {
			t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
		}
		if code != exitNo || r.Valid || len(r.Problems) != 4 || r.Online == nil || len(r.Online.Queries) != 14 || len(r.Online.Notes) != 1 {
			t.Fatalf("exit %d, report %+v; want invalid, 4 problems, 14 queries, 1 note", code, r)
		}
		if n := r.Online.Notes[0]; n.File != search || n.Field != "slos[0].sli.events.errors" {
			t.Errorf("note = %+v", n)
		}
		// checkout: 10 requests/s, 1% errors, 0.5% slower than 300ms.
		wantValues := map[string]float64{"availability errors": 0.1, "availability total": 10, "latency good": 9.95, "latency total": 10}
		wantRanges := map[string]string{"availability": "2592000s", "latency": "604800s"}
		results := map[string]int{}
		for _, q := range r.Online.Queries {
			results[q.Result]++
			if q.Service != "checkout" {
				continue
			}
			key := q.SLO + " " + q.Role
			want, ok := wantValues[key]
			if !ok || q.Result != "ok" || q.Value == nil || math.Abs(*q.Value-want) > 0.01*want {
				t.Errorf("%s = %s %v, want ok with %v (within 1%%)", key, q.Result, q.Value, want)
			}
			if q.File != checkout || q.Range != wantRanges[q.SLO] || !strings.Contains(q.Query, "["+wantRanges[q.SLO]+"]") {
				t.Errorf("%s: file %s range %s query %s; want %s over %s", key, q.File, q.Range, q.Query, checkout, wantRanges[q.SLO])
			}
		}
		if results["ok"] != 9 || results["no_series"] != 4 || results["failed"] != 1 {
			t.Errorf("results = %v, want 9 ok, 4 no_series, 1 failed", results)
		}
	})

	t.Run("offline problems first", func(t *testing.T) {
		// Nothing listens there: an online check would exit 2.
		closed, err := proctest.FreeAddr()
		if err != nil {
			t.Fatal(err)
		}
		bad := writeTree(t, map[string]string{"bad/slo.yaml": "slos: []\n"})
		code, stdout, _ := runCLI(t, nil, "validate", "--online", "--prometheus-url", "http://"+closed, bad)
		if code != exitNo || strings.Contains(stdout, "online:") {
			t.Errorf("exit %d, stdout %q; want 1 from the offline problem, no online check", code, stdout)
		}
	})

	t.Run("unreachable prometheus", func(t *testing.T) {
		closed, err := proctest.FreeAddr()
		if err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr := runCLI(t, nil, "validate", "--online", "--prometheus-url", "http://"+closed, checkout)
		if code != exitError || stdout != "" || !strings.Contains(stderr, "validate --online: prometheus at http://"+closed) {
			t.Errorf("exit %d, stdout %q, stderr %q; want 2 naming the Prometheus", code, stdout, stderr)
		}
	})
}

// A password in --prometheus-url never shows in sloctl's messages.
func TestValidateOnlineHidesPassword(t *testing.T) {
	url := "http://ops:secret@" + strings.TrimPrefix(closedAddr(t), "http://")
	code, out, errOut := runCLI(t, cleanEnv(), "validate", "testdata/rules/checkout.yaml", "--online", "--prometheus-url", url)
	if code != exitError || strings.Contains(out+errOut, "secret") || !strings.Contains(errOut, "ops:xxxxx@") {
		t.Errorf("exit %d, stdout %q, stderr %q; want 2 naming Prometheus without its password", code, out, errOut)
	}
}
