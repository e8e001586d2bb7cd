package cli

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/slo-dev/slo/internal/demo/synth"
	"github.com/slo-dev/slo/internal/testing/promtest"
)

// TestRulesGenerateLoadsIntoPrometheus generates rules for the test's
// specs with the sloctl binary, checks them with promtool, and loads them
// into a real Prometheus holding the fastburn service's last four days:
// the recorded error ratios must match the ground truth and exactly the
// 1h/5m page alert must go pending.
//
// Recording rules only run from the moment Prometheus starts, so only the
// ratios computed from raw series at the first evaluations (5m ... 6h here)
// can be compared; the 30d ratio sums recorded 5m rates and would need a
// month of evaluations.
func TestRulesGenerateLoadsIntoPrometheus(t *testing.T) {
	promtool := promtest.RequireTool(t, "promtool")
	dir := t.TempDir()
	specs := writeSpecs(t)
	ruleFile := filepath.Join(dir, "slo-rules.yaml")

	r := runSloctl(t, nil, "rules", "generate", specs, "--out", ruleFile)
	wantExit(t, r, 0)
	if r.stdout != "" {
		t.Errorf("rules went to stdout despite --out:\n%s", r)
	}
	out, err := exec.Command(promtool, "check", "rules", ruleFile).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "SUCCESS") {
		t.Fatalf("promtool check rules:\n%s", out)
	}
	t.Logf("promtool check rules: %s", strings.TrimSpace(string(out)))

	// Bad specs: exit 1, the problem on stderr, no file written.
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("service: bad\nslos:\n  - name: a\n    target: 120%\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = runSloctl(t, nil, "rules", "generate", bad, "--out", filepath.Join(dir, "none.yaml"))
	wantExit(t, r, 1)
	if !strings.Contains(r.stderr, "bad.yaml:") || !strings.Contains(r.stderr, "target") {
		t.Errorf("stderr should name the file and the field:\n%s", r)
	}
	if _, err := os.Stat(filepath.Join(dir, "none.yaml")); !os.IsNotExist(err) {
		t.Errorf("rules written for bad specs (%v)", err)
	}

	// The data ends now: a backfilled block reaching into the future
	// would make Prometheus reject the rules' samples at now as out of
	// bounds. The 15s step keeps the newest sample close to the first
	// evaluations.
	now := time.Now()
	sc := newScenarios(now, now.Add(-4*synth.Day), now).fastburn
	sc.Step = 15 * time.Second
	// Evaluated every second, the rules record within seconds of the start.
	prom := promtest.StartWith(t, promtest.Options{RuleFiles: []string{ruleFile}, EvaluationInterval: time.Second}, sc)
	client, err := api.NewClient(api.Config{Address: prom.URL})
	if err != nil {
		t.Fatal(err)
	}
	promAPI := v1.NewAPI(client)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sel := `{slo_service="fastburn",slo_name="availability"}`
	values := map[time.Duration]float64{}
	var alerts model.Vector
	// Alerts come from the same evaluations as the ratios; a few more
	// evaluations without one mean none is coming.
	var complete time.Time
	for {
		for _, w := range []time.Duration{5 * time.Minute, time.Hour, 6 * time.Hour} {
			vec := queryVector(t, ctx, promAPI, "slo:sli_error:ratio_rate"+model.Duration(w).String()+sel)
			if len(vec) > 1 {
				t.Fatalf("%d series for the %v ratio of fastburn: %v", len(vec), w, vec)
			}
			if len(vec) == 1 {
				values[w] = float64(vec[0].Value)
			}
		}
		alerts = queryVector(t, ctx, promAPI, `ALERTS{alertname="SLOErrorBudgetBurn"}`)
		if len(values) == 3 && complete.IsZero() {
			complete = time.Now()
		}
		if !complete.IsZero() && (len(alerts) > 0 || time.Since(complete) > 5*time.Second) {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no recorded ratios or alerts within 1m: ratios %v, alerts %v", values, alerts)
		case <-time.After(200 * time.Millisecond):
		}
	}

	// The newest sample is at most one step before now, and rate()
	// extrapolates errors and requests alike, so each ratio is the ground
	// truth's over the window ending at the data's end.
	for w, got := range values {
		want := sc.Errors(now.Add(-w), now) / sc.Requests(now.Add(-w), now)
		if !within(got, want, 0.01) {
			t.Errorf("slo:sli_error:ratio_rate%v = %v, ground truth %v", model.Duration(w), got, want)
		}
	}
	// 20x over 1h and 5m exceeds the page factor 14.4; 6h (about 5.1x)
	// stays below 6, 1d and 3d below their ticket factors: one alert,
	// pending for its 2m hold.
	if len(alerts) != 1 {
		t.Fatalf("%d burn alerts, want exactly the 1h/5m page: %v", len(alerts), alerts)
	}
	want := model.LabelSet{"service": "fastburn", "slo": "availability", "severity": "page", "long_window": "1h", "short_window": "5m", "alertstate": "pending"}
	for k, v := range want {
		if got := alerts[0].Metric[k]; got != v {
			t.Errorf("alert label %s = %q, want %q (alert %v)", k, got, v, alerts[0].Metric)
		}
	}
}

// queryVector evaluates expr now and returns its vector.
func queryVector(t *testing.T, ctx context.Context, promAPI v1.API, expr string) model.Vector {
	t.Helper()
	val, warnings, _, err := promAPI.Query(ctx, expr, time.Now())
	if err != nil {
		t.Fatalf("query %s: %v", expr, err)
	}
	if len(warnings) > 0 {
		t.Logf("query %s: warnings %v", expr, warnings)
	}
	vec, ok := val.(model.Vector)
	if !ok {
		t.Fatalf("query %s: %s, want a vector", expr, val.Type())
	}
	return vec
}
