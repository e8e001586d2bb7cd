// Package scenarios holds the synthetic traffic behind `make demo`: one scenario
// per service in slos/, each shaped so that the default error-budget policy
// puts it in a different gate state (allow, warn, deny by budget, deny by
// fast burn). The numbers are chosen with margin, so the states hold at any
// time of day and on any day of the month.
package scenarios

import (
	"time"

	"github.com/slo-dev/slo/internal/demo/synth"
)

// History is how far back the data reaches: more than the longest SLO
// period (30d, or a 31-day calendar month), so every query is covered.
const History = 35 * synth.Day

// Horizon is how far past now the data runs: queries only see samples up to
// their evaluation time, so this is how long a demo stays current. Twelve
// hours covers a working day; search keeps burning all along, so its
// consumed budget climbs by about 3% an hour, as it would for real.
const Horizon = 12 * time.Hour

// Recent is the span before now sampled every minute, as a scraper would:
// it covers every burn-rate window (the longest is 3d), so a 5m window has
// five samples. Older history is sampled every CoarseStep, which cuts the
// samples to backfill (and the work of 30d queries) by more than three.
const Recent = 4 * synth.Day

// CoarseStep is the sample interval of history older than Recent.
const CoarseStep = 5 * time.Minute

// Buckets are the request-duration histogram bounds in seconds; both
// latency thresholds in slos/ (300ms and 500ms) are among them.
var Buckets = []float64{0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2.5}

// All returns the traffic of every service in slos/ from
// now-History to now+Horizon. Each service comes as two consecutive
// scenarios with the same traffic: its older history at CoarseStep, then
// the Recent part at 1m. The cut lies on a multiple of CoarseStep, so the
// older part's last sample counts every event before it, and the counters
// can be continued across the cut (see promapi.Backfill).
func All(now time.Time) []synth.Scenario {
	start, end := now.Add(-History), now.Add(Horizon)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	scenario := func(service string, base synth.Traffic, segs ...synth.Segment) synth.Scenario {
		return synth.Scenario{Service: service, Start: start, End: end, Default: base, Segments: segs}
	}
	latency := func(threshold float64) *synth.Latency {
		return &synth.Latency{Buckets: Buckets, Threshold: threshold}
	}

	// checkout, healthy: 99.9% over 30d and 300ms at 99% over 7d.
	// Availability: base burn 0.2 plus a 45m outage at 5% errors twelve
	// days ago, about 25% consumed. Latency: base burn 0.2 plus an hour at
	// 8% slow three days ago, about 25% consumed. Gate: allow.
	checkoutBase := synth.Traffic{RPS: 40, ErrorRatio: 0.0002, ClientErrorRatio: 0.01, SlowRatio: 0.002}
	checkout := scenario("checkout", checkoutBase,
		during(ago(12*synth.Day), 45*time.Minute, checkoutBase, func(t *synth.Traffic) { t.ErrorRatio = 0.05 }),
		during(ago(3*synth.Day), time.Hour, checkoutBase, func(t *synth.Traffic) { t.SlowRatio = 0.08 }),
	)
	checkout.Latency = latency(0.3)

	// payments-api, frozen: two outages 22 and 16 days ago (4h at 10%, 6h
	// at 6% errors) overspent the 30d budget of 99.9% (about 125% consumed)
	// and it stays overspent until they leave the window; today it burns at
	// 0.2 only. Its latency (p95 500ms) and job SLOs are healthy (20%).
	// Gate: deny, freeze_releases.
	paymentsBase := synth.Traffic{RPS: 25, ErrorRatio: 0.0002, ClientErrorRatio: 0.02, SlowRatio: 0.01,
		JobsPerSecond: 3, JobFailureRatio: 0.001}
	payments := scenario("payments-api", paymentsBase,
		during(ago(22*synth.Day), 4*time.Hour, paymentsBase, func(t *synth.Traffic) { t.ErrorRatio = 0.10 }),
		during(ago(16*synth.Day), 6*time.Hour, paymentsBase, func(t *synth.Traffic) { t.ErrorRatio = 0.06 }),
	)
	payments.Latency = latency(0.5)
	payments.WithJobs = true

	// search, fast-burning: 99.5% over 28d, quiet at burn 0.2 (about 20%
	// consumed) until 90 minutes ago, since then 10% errors, a burn of 20
	// over both 1h and 5m, above the page factor 13.44 for 28d. Consumed
	// is still only about 25%. Gate: deny by fast burn.
	searchBase := synth.Traffic{RPS: 30, ErrorRatio: 0.001, ClientErrorRatio: 0.03}
	search := scenario("search", searchBase,
		during(ago(90*time.Minute), 90*time.Minute+Horizon, searchBase, func(t *synth.Traffic) { t.ErrorRatio = 0.10 }),
	)

	// billing-jobs, limited: 99.5% job success over 7d; base burn 0.2 plus
	// a 6h incident four days ago at 9.4% failed jobs, about 86% consumed
	// and no burn now. Gate: deny, limit_releases.
	billingBase := synth.Traffic{JobsPerSecond: 2, JobFailureRatio: 0.001}
	billing := scenario("billing-jobs", billingBase,
		during(ago(4*synth.Day), 6*time.Hour, billingBase, func(t *synth.Traffic) { t.JobFailureRatio = 0.094 }),
	)
	billing.WithJobs = true

	// notifications, warned: 99% per calendar month with a steady 0.62%
	// errors, so 62% of the budget is consumed whatever day of the month it
	// is. Gate: warn, increase_monitoring.
	notifications := scenario("notifications", synth.Traffic{RPS: 10, ErrorRatio: 0.0062, ClientErrorRatio: 0.01})

	cut := now.Add(-Recent).Truncate(CoarseStep)
	var out []synth.Scenario
	for _, s := range []synth.Scenario{checkout, payments, search, billing, notifications} {
		old, recent := s, s
		old.End, old.Step = cut, CoarseStep
		recent.Start, recent.Step = cut, time.Minute
		out = append(out, old, recent)
	}
	return out
}

// during is base changed by change over [from, from+d): an incident keeps
// the service's traffic and alters only what went wrong.
func during(from time.Time, d time.Duration, base synth.Traffic, change func(*synth.Traffic)) synth.Segment {
	t := base
	change(&t)
	return synth.Segment{From: from, To: from.Add(d), Traffic: t}
}
