package integration

import (
	"fmt"
	"math"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/api"
	"github.com/slo-dev/slo/internal/demo/synth"
	"github.com/slo-dev/slo/internal/testing/promtest"
	"github.com/slo-dev/slo/internal/testing/slodtest"
)

// deploySpec is the release service's spec; policy is appended as is.
func deploySpec(policy string) string {
	return `service: release
slos:
  - name: availability
    target: 99.9%
    window: 7d
    sli:
      events:
        errors: sum(rate(http_requests_total{service="release",code=~"5.."}[{{.window}}]))
        total: sum(rate(http_requests_total{service="release"}[{{.window}}]))
` + policy
}

// TestDeployAttributionAndCorrections: a bad release at D starts a
// 30-minute burst of errors. slod must flag the deploy suspect with the
// generator's before/after numbers, deny normal deploys until exactly
// block_after_suspect_deploy after D, and a correction over the burst
// must give back the budget the generator computes without the burst.
func TestDeployAttributionAndCorrections(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Prometheus and slod")
	}
	began := time.Now()
	// D is on a 5-minute bucket edge, so every ledger bucket holds one
	// constant rate, and the hour after D has closed by the time slod
	// starts (it ends 10 to 15 minutes before began).
	d := began.Truncate(5 * time.Minute).Add(-70 * time.Minute)
	burst := synth.Span{From: d, To: d.Add(30 * time.Minute)}
	const budget = 0.001
	s := synth.Scenario{
		Service: "release",
		Start:   began.Add(-8 * synth.Day),
		End:     began.Add(promtest.Lead),
		Step:    time.Minute,
		// Burn 0.2 before the release, 20 during the burst.
		Default:  synth.Traffic{RPS: 10, ErrorRatio: 0.0002},
		Segments: []synth.Segment{{From: burst.From, To: burst.To, Traffic: synth.Traffic{RPS: 10, ErrorRatio: 0.02}}},
	}
	srv := promtest.Start(t, s)
	dir := slodtest.WriteSpecs(t, map[string]string{"release.yaml": deploySpec("")})
	const token = "deploy-test-token"
	auth := map[string]string{"Authorization": "Bearer " + token}
	since := time.Now()
	sd := slodtest.Start(t, slodtest.Options{SLOs: dir, PrometheusURL: srv.URL, Interval: 2 * time.Second, Tokens: []string{token}, Quiet: true})
	waitComplete(t, sd, since, 1)

	// Bad input is a 400 naming the field.
	for _, bad := range []struct {
		path, field string
		body        any
	}{
		{"deployments", "at", api.DeploymentRequest{Version: "v9", At: ptr(time.Now().Add(10 * time.Minute))}},
		{"deployments", "version", api.DeploymentRequest{}},
		{"corrections", "to", api.CorrectionRequest{From: ptr(d), To: ptr(d.Add(-time.Minute)), Reason: "x", Actor: "y"}},
		{"corrections", "to", api.CorrectionRequest{From: ptr(d.Add(-8 * synth.Day)), To: ptr(d), Reason: "x", Actor: "y"}},
		{"corrections", "from", api.CorrectionRequest{From: ptr(d.Add(-7*synth.Day - time.Hour)), To: ptr(d.Add(-7 * synth.Day)), Reason: "x", Actor: "y"}},
		{"corrections", "slos", api.CorrectionRequest{From: ptr(d), To: ptr(d.Add(time.Hour)), Reason: "x", Actor: "y", SLOs: []string{"latency"}}},
	} {
		var p api.Problem
		sd.PostJSON(t, "/api/v1/services/release/"+bad.path, bad.body, auth, http.StatusBadRequest, &p)
		if p.Field != bad.field {
			t.Errorf("POST %s %+v: field %q, want %q (%s)", bad.path, bad.body, p.Field, bad.field, p.Detail)
		}
	}

	var rec api.Deployment
	sd.PostJSON(t, "/api/v1/services/release/deployments",
		api.DeploymentRequest{Version: "v2.4.0-bad", Actor: "ci", Pipeline: "https://ci.example/run/7", At: &d}, auth, http.StatusCreated, &rec)

	// The generator's numbers for the hour before and after D.
	before := [2]float64{s.Errors(d.Add(-time.Hour), d), s.Requests(d.Add(-time.Hour), d)}
	after := [2]float64{s.Errors(d, d.Add(time.Hour)), s.Requests(d, d.Add(time.Hour))}
	burn := func(c [2]float64) float64 { return c[0] / c[1] / budget }
	t.Logf("generator: before %.0f/%.0f (burn %.3g), after %.0f/%.0f (burn %.3g)", before[0], before[1], burn(before), after[0], after[1], burn(after))

	attributed := waitDeploy(t, sd, rec.ID, func(dep api.Deployment) bool { return dep.Suspect != nil })
	if !*attributed.Suspect || len(attributed.SLOs) != 1 {
		t.Fatalf("deploy %+v: want suspect", attributed)
	}
	a := attributed.SLOs[0]
	hour := a.Spans[0]
	if hour.Span != "1h" || hour.ElapsedSeconds != 3600 {
		t.Fatalf("first span %+v, want the whole hour", hour)
	}
	within(t, "bad events before", hour.Before.Bad, before[0], 0.01)
	within(t, "events before", hour.Before.Total, before[1], 0.01)
	within(t, "bad events after", hour.After.Bad, after[0], 0.01)
	within(t, "events after", hour.After.Total, after[1], 0.01)
	within(t, "burn before", *hour.BeforeBurn, burn(before), 0.01)
	within(t, "burn after", *hour.AfterBurn, burn(after), 0.01)
	// A 7d window: burning at b for an hour uses b*1h/168h of the budget.
	within(t, "budget consumed after", hour.AfterConsumed, burn(after)/168, 0.01)
	// The page condition over 1h and 5m for a 7d window is 0.02*168h/1h
	// = 3.36x: 15 minutes into the burst the 1h burn is
	// (15*20+45*0.2)/60 = 5.15x and the 5m burn 20x.
	if a.Alert != "page" {
		t.Errorf("alert after the deploy %q, want page", a.Alert)
	}

	// Opt in: block normal deploys for the span that ends 40 seconds from
	// now (whole seconds after D).
	block := time.Until(d).Abs() + 40*time.Second
	block = block.Truncate(time.Second)
	unblock := d.Add(block)
	writeFile(t, filepath.Join(dir, "release.yaml"), deploySpec(fmt.Sprintf("policy:\n  block_after_suspect_deploy: %ds\n", int(block.Seconds()))))
	var denied api.Decision
	slodtest.WaitFor(t, 20*time.Second, "the reload to deny normal deploys", func() bool {
		sd.GetJSON(t, "/api/v1/services/release/can-deploy?priority=normal", &denied)
		return !denied.Allowed
	})
	if time.Now().After(unblock) {
		t.Fatalf("the block ended before it could be seen; the machine is too slow for this test")
	}
	r := reason(denied.Reasons, "suspect_deploy")
	if r == nil || !strings.Contains(r.Message, "v2.4.0-bad") || !strings.Contains(r.Message, unblock.UTC().Format(time.RFC3339)) || !slices.Contains(denied.Actions, "rollback") {
		t.Fatalf("denial %+v: want a suspect_deploy reason naming v2.4.0-bad and %s, and rollback", denied, unblock.UTC().Format(time.RFC3339))
	}
	var rollback api.Decision
	sd.GetJSON(t, "/api/v1/services/release/can-deploy?priority=rollback", &rollback)
	if !rollback.Allowed {
		t.Fatalf("rollback denied: %+v", rollback)
	}
	var allowed api.Decision
	slodtest.WaitFor(t, time.Until(unblock)+20*time.Second, "normal deploys allowed again", func() bool {
		sd.GetJSON(t, "/api/v1/services/release/can-deploy?priority=normal", &allowed)
		return allowed.Allowed
	})
	if at := time.Now(); at.Before(unblock) || at.After(unblock.Add(5*time.Second)) {
		t.Fatalf("allowed at %s, want at %s", at.Format(time.RFC3339Nano), unblock.Format(time.RFC3339))
	}

	// A correction over the burst: the budget is the generator's without
	// those 30 minutes, bad and total alike.
	var c api.Correction
	sd.PostJSON(t, "/api/v1/services/release/corrections",
		api.CorrectionRequest{From: &burst.From, To: &burst.To, Reason: "bad release v2.4.0 (INC-7)", Actor: "ana"}, auth, http.StatusCreated, &c)
	var g slodtest.Gate
	slodtest.WaitFor(t, 20*time.Second, "the correction in the budget", func() bool {
		g = sd.Service(t, "release")
		return g.SLOs[0].Excluded.Total > 0
	})
	got := g.SLOs[0]
	at := *got.EvaluatedAt
	from := at.Add(-7 * synth.Day)
	wantBad := s.Errors(from, at) - s.Errors(burst.From, burst.To)
	wantTotal := s.Requests(from, at) - s.Requests(burst.From, burst.To)
	within(t, "failed events without the burst", got.Budget.FailedEvents, wantBad, 0.01)
	within(t, "events without the burst", got.Budget.TotalEvents, wantTotal, 0.01)
	within(t, "budget consumed without the burst", got.Budget.Consumed, wantBad/wantTotal/budget, 0.01)
	within(t, "excluded bad events", got.Excluded.Bad, s.Errors(burst.From, burst.To), 0.01)
	within(t, "excluded events", got.Excluded.Total, s.Requests(burst.From, burst.To), 0.01)
	if r := reason(g.Reasons, "correction_applied"); r == nil || !strings.Contains(r.Message, "INC-7") {
		t.Errorf("reasons %+v: want correction_applied naming the correction", g.Reasons)
	}
	// Without the burst the release burned as before: not suspect.
	if dep := waitDeploy(t, sd, rec.ID, func(dep api.Deployment) bool { return !*dep.Suspect }); dep.SLOs[0].Spans[0].Excluded.Bad <= 0 {
		t.Errorf("attribution after the correction %+v: want the burst excluded", dep)
	}

	status, _, body := sd.Do(t, http.MethodDelete, fmt.Sprintf("/api/v1/services/release/corrections/%d?actor=ana", c.ID), nil, auth)
	if status != http.StatusOK {
		t.Fatalf("revoke: %d %s", status, body)
	}
	slodtest.WaitFor(t, 20*time.Second, "the burst back in the budget", func() bool {
		g = sd.Service(t, "release")
		return g.SLOs[0].Excluded.Total == 0
	})
	at = *g.SLOs[0].EvaluatedAt
	within(t, "failed events with the burst again", g.SLOs[0].Budget.FailedEvents, s.Errors(at.Add(-7*synth.Day), at), 0.01)
}

func ptr[T any](v T) *T { return &v }

// within fails the test unless got is within rel of want.
func within(t *testing.T, what string, got, want, rel float64) {
	t.Helper()
	if math.Abs(got-want) > rel*math.Abs(want) {
		t.Errorf("%s = %.6g, want %.6g (within %g)", what, got, want, rel)
	}
}

func reason(rs []api.Reason, code string) *api.Reason {
	for i := range rs {
		if rs[i].Code == code {
			return &rs[i]
		}
	}
	return nil
}

// waitDeploy polls the deployments until deploy id meets cond.
func waitDeploy(t *testing.T, sd *slodtest.Slod, id int64, cond func(api.Deployment) bool) api.Deployment {
	t.Helper()
	var dep api.Deployment
	slodtest.WaitFor(t, 20*time.Second, fmt.Sprintf("deploy %d attributed", id), func() bool {
		var list api.DeploymentList
		sd.GetJSON(t, "/api/v1/services/release/deployments", &list)
		for _, x := range list.Deployments {
			if x.ID == id && x.Suspect != nil {
				dep = x
				return cond(x)
			}
		}
		return false
	})
	return dep
}
