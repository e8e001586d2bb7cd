package cli

import (
	"fmt"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/demo/synth"
	"github.com/slo-dev/slo/internal/testing/promtest"
	"github.com/slo-dev/slo/internal/testing/slodtest"
)

// The three services under test, each with one availability SLO of 99.9%
// over 30d (budget 0.001) and the default policy. Rate changes sit hours
// away from every window edge slod looks at (now-5m ... now-30d), so
// Prometheus' rate() is exact up to float rounding (see promtest.Increase)
// and the ground truth can be taken at the test's start although slod
// evaluates a little later.
const (
	healthy   = "healthy"
	exhausted = "exhausted"
	fastburn  = "fastburn"

	target  = 0.999
	budget  = 1 - target
	sloName = "availability"
	window  = 30 * synth.Day
)

// scenarios is the synthetic traffic, ending promtest.Lead after now.
type scenarios struct {
	now                          time.Time
	healthy, exhausted, fastburn synth.Scenario
}

func newScenarios(now time.Time, start, end time.Time) scenarios {
	sc := func(service string, def synth.Traffic, segs ...synth.Segment) synth.Scenario {
		return synth.Scenario{Service: service, Start: start, End: end, Default: def, Segments: segs}
	}
	seg := func(from, to time.Time, t synth.Traffic) synth.Segment {
		return synth.Segment{From: from, To: to, Traffic: t}
	}
	return scenarios{
		now: now,
		// 0.02% errors (burn 0.2) with a 12h bump to 0.1% two days ago:
		// about 21% of the budget consumed, below every threshold.
		// 404s count as traffic, not as errors.
		healthy: sc(healthy, synth.Traffic{RPS: 10, ErrorRatio: 0.0002, ClientErrorRatio: 0.01},
			seg(now.Add(-2*synth.Day), now.Add(-36*time.Hour), synth.Traffic{RPS: 10, ErrorRatio: 0.001, ClientErrorRatio: 0.01})),
		// No errors now; 3% errors for two days, 20 days ago: 200% consumed.
		exhausted: sc(exhausted, synth.Traffic{RPS: 10, ClientErrorRatio: 0.01},
			seg(now.Add(-20*synth.Day), now.Add(-18*synth.Day), synth.Traffic{RPS: 10, ErrorRatio: 0.03, ClientErrorRatio: 0.01})),
		// 0.01% errors, then 2% (burn 20) for the last 90 minutes and on:
		// the 1h/5m page condition (14.4x) holds, the 6h/30m one (6x) does
		// not (6h burn about 5.1), and about 86% of the budget is left.
		fastburn: sc(fastburn, synth.Traffic{RPS: 10, ErrorRatio: 0.0001},
			seg(now.Add(-90*time.Minute), end, synth.Traffic{RPS: 10, ErrorRatio: 0.02})),
	}
}

func (s scenarios) all() []synth.Scenario {
	return []synth.Scenario{s.healthy, s.exhausted, s.fastburn}
}

// burn is the ground-truth burn rate of sc over the w before at.
func burn(sc synth.Scenario, at time.Time, w time.Duration) float64 {
	return sc.Errors(at.Add(-w), at) / sc.Requests(at.Add(-w), at) / budget
}

// spec is a service's slo.yaml: one availability SLO over its 5xx.
func spec(service string) string {
	return fmt.Sprintf(`service: %[1]s
owner: team-e2e
slos:
  - name: %[2]s
    description: Successful HTTP responses
    target: 99.9%%
    window: 30d
    sli:
      events:
        errors: sum(rate(http_requests_total{service="%[1]s",code=~"5.."}[{{.window}}]))
        total: sum(rate(http_requests_total{service="%[1]s"}[{{.window}}]))
`, service, sloName)
}

// writeSpecs writes one slo.yaml per service into a new folder.
func writeSpecs(t *testing.T) string {
	t.Helper()
	specs := map[string]string{}
	for _, s := range []string{healthy, exhausted, fastburn} {
		specs[s+".yaml"] = spec(s)
	}
	return slodtest.WriteSpecs(t, specs)
}

// startPrometheus backfills 31 days of the scenarios into a real
// Prometheus.
func startPrometheus(t *testing.T, now time.Time) (*promtest.Server, scenarios) {
	t.Helper()
	sc := newScenarios(now, now.Add(-window-synth.Day), now.Add(promtest.Lead))
	return promtest.Start(t, sc.all()...), sc
}
