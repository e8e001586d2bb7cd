package scenarios_test

import (
	"slices"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/testing/slodtest"
)

// gate is what the dashboard should show for a service: its decision for a
// normal deploy, a reason code and an action that explain it.
type gate struct {
	decision, code, action string
}

var intendedGates = map[string]gate{
	"checkout":      {"allow", "", ""},
	"payments-api":  {"deny", "budget_exhausted", "freeze_releases"},
	"search":        {"deny", "fast_burn", ""},
	"billing-jobs":  {"deny", "budget_threshold", "limit_releases"},
	"notifications": {"warn", "budget_threshold", "increase_monitoring"},
}

// slod itself, run against the demo data over HTTP, must give every
// service the gate the demo intends.
func TestSlodGivesIntendedGates(t *testing.T) {
	d := slodtest.Start(t, slodtest.Options{
		SLOs:          slosDir,
		PrometheusURL: startSource(t, time.Now()),
		Interval:      time.Minute,
		Quiet:         true,
	})
	got := d.WaitEvaluated(t, 60*time.Second)
	seen := map[string]bool{}
	for _, s := range got.Services {
		seen[s.Service] = true
		want, ok := intendedGates[s.Service]
		if !ok {
			t.Errorf("%s: no intended gate; add it to the demo", s.Service)
			continue
		}
		var codes []string
		for _, r := range s.Reasons {
			codes = append(codes, r.Code)
		}
		// WaitEvaluated saw every service fresh and without error.
		if s.Decision != want.decision {
			t.Errorf("%s: decision %s (reasons %v), want %s", s.Service, s.Decision, codes, want.decision)
		}
		if want.code != "" && !slices.Contains(codes, want.code) {
			t.Errorf("%s: reasons %v, want %s among them", s.Service, codes, want.code)
		}
		if want.action != "" && !slices.Contains(s.Actions, want.action) {
			t.Errorf("%s: actions %v, want %s among them", s.Service, s.Actions, want.action)
		}
	}
	for service := range intendedGates {
		if !seen[service] {
			t.Errorf("%s: intended gate for a service slod does not know", service)
		}
	}
}
