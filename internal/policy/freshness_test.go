package policy

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// freshnessCase is one state an SLO's numbers can be in when a deploy asks.
// Ages are against max_staleness and no_series_grace of 10m.
type freshnessCase struct {
	name   string
	status func(slo.Status) slo.Status
	// judged: the kept budget and burn rates decide, with a stale_data
	// warning when stale. Otherwise missingCode is the reason, and
	// on_missing_data decides (or, with graceWarn, a warning).
	judged      bool
	stale       bool
	missingCode string
	graceWarn   bool
}

var freshnessCases = []freshnessCase{
	{name: "fresh", status: at(-time.Minute, "", false), judged: true},
	{name: "restored, not re-measured", status: restored(-3 * time.Minute), judged: true, stale: true},
	{name: "error, kept status within max_staleness", status: at(-3*time.Minute, "circuit breaker is open", false), judged: true, stale: true},
	{name: "no series now, kept status within max_staleness", status: at(-3*time.Minute, "total query matched no series: x", true), judged: true, stale: true},
	{name: "error, kept status beyond max_staleness", status: at(-15*time.Minute, "circuit breaker is open", false), stale: true, missingCode: slo.CodeStaleData},
	{name: "no error, status beyond max_staleness", status: at(-15*time.Minute, "", false), stale: true, missingCode: slo.CodeStaleData},
	{name: "never measured, not attempted", status: never("", false, 0), stale: true, missingCode: slo.CodeNoEvaluation},
	{name: "never measured, query error", status: never("bad_data: parse error", false, -time.Minute), stale: true, missingCode: slo.CodeMeasurementError},
	{name: "never measured, no series within grace", status: never("total query matched no series: x", true, -5*time.Minute), stale: true, missingCode: slo.CodeNoSeries, graceWarn: true},
	{name: "never measured, no series beyond grace", status: never("total query matched no series: x", true, -11*time.Minute), stale: true, missingCode: slo.CodeNoSeries},
}

// at sets the age of the kept numbers and the latest attempt's error.
func at(age time.Duration, err string, noSeries bool) func(slo.Status) slo.Status {
	return func(s slo.Status) slo.Status {
		s.EvaluatedAt = now.Add(age)
		if err != "" {
			s.Stale, s.Error, s.NoSeries, s.ErrorSince = true, err, noSeries, now.Add(-30*time.Second)
		}
		return s
	}
}

func restored(age time.Duration) func(slo.Status) slo.Status {
	return func(s slo.Status) slo.Status {
		s.EvaluatedAt, s.Stale = now.Add(age), true
		return s
	}
}

// never leaves the SLO unmeasured; its budget fields are what a caller
// might wrongly judge, so the budget cases still differ.
func never(err string, noSeries bool, since time.Duration) func(slo.Status) slo.Status {
	return func(s slo.Status) slo.Status {
		s.EvaluatedAt = time.Time{}
		if err != "" {
			s.Stale, s.Error, s.NoSeries, s.ErrorSince = true, err, noSeries, now.Add(since)
		}
		return s
	}
}

// budgetCase is what the numbers say, and the decision they give each
// priority under the default policy, worked from the ladder: 80% reaches
// limit_releases, 142% freeze_releases, both denying normal deploys only;
// a page-level burn denies normal deploys with block_on_fast_burn.
type budgetCase struct {
	name   string
	status slo.Status
	want   map[slo.Priority]slo.Decision
	code   string
}

var budgetCases = []budgetCase{
	{"healthy", measured("a", 0.1), map[slo.Priority]slo.Decision{normal: slo.Allow, critical: slo.Allow, rollback: slo.Allow}, ""},
	{"threshold", measured("a", 0.8), map[slo.Priority]slo.Decision{normal: slo.Deny, critical: slo.Warn, rollback: slo.Warn}, slo.CodeBudgetThreshold},
	{"exhausted", measured("a", 1.42), map[slo.Priority]slo.Decision{normal: slo.Deny, critical: slo.Warn, rollback: slo.Warn}, slo.CodeBudgetExhausted},
	{"fast burn", withConditions(measured("a", 0.1), page1h(20, 25)), map[slo.Priority]slo.Decision{normal: slo.Deny, critical: slo.Warn, rollback: slo.Warn}, slo.CodeFastBurn},
}

// TestDecideFreshnessMatrix: every freshness state x every budget state x
// every priority x on_missing_data. A failed measurement never turns a
// denial into an allow while numbers are kept, and without numbers only an
// explicit on_missing_data: allow lets a normal deploy through.
func TestDecideFreshnessMatrix(t *testing.T) {
	for _, fc := range freshnessCases {
		for _, bc := range budgetCases {
			for _, p := range []slo.Priority{normal, critical, rollback} {
				for _, onMissing := range []slo.OnMissingData{slo.OnMissingDeny, slo.OnMissingAllow} {
					name := fmt.Sprintf("%s/%s/%s/%s", fc.name, bc.name, p, onMissing)
					t.Run(name, func(t *testing.T) {
						in := input(p, fc.status(bc.status))
						in.Policy.OnMissingData = onMissing
						got := Decide(in)
						decision, codes := expected(fc, bc, p, onMissing)
						if got.Decision != decision || got.Allowed != (decision != slo.Deny) {
							t.Errorf("decision = %s (allowed %v), want %s; reasons %q", got.Decision, got.Allowed, decision, summary(got.Reasons))
						}
						if got.Stale != fc.stale {
							t.Errorf("stale = %v, want %v", got.Stale, fc.stale)
						}
						for _, c := range codes {
							if !hasCode(got, c) {
								t.Errorf("no %s reason in %q", c, summary(got.Reasons))
							}
						}
					})
				}
			}
		}
	}
}

// expected is the decision and the reason codes a case must give.
func expected(fc freshnessCase, bc budgetCase, p slo.Priority, onMissing slo.OnMissingData) (slo.Decision, []string) {
	switch {
	case fc.judged:
		decision, codes := bc.want[p], []string{}
		if bc.code != "" {
			codes = append(codes, bc.code)
		}
		if fc.stale {
			codes = append(codes, slo.CodeStaleData)
			if decision == slo.Allow {
				decision = slo.Warn
			}
		}
		return decision, codes
	case fc.graceWarn, onMissing == slo.OnMissingAllow, p != normal:
		return slo.Warn, []string{fc.missingCode}
	default:
		return slo.Deny, []string{fc.missingCode}
	}
}

func hasCode(r Result, code string) bool {
	return slices.ContainsFunc(r.Reasons, func(x slo.Reason) bool { return x.Code == code })
}

// The reasons say which numbers were judged and why.
func TestDecideFreshnessMessages(t *testing.T) {
	tests := []struct {
		name      string
		status    slo.Status
		onMissing slo.OnMissingData
		code      string
		want      string
	}{
		{"error within max_staleness", at(-3*time.Minute, "circuit breaker is open", false)(measured("a", 1.42)), "deny", slo.CodeStaleData,
			"latest measurement failed: circuit breaker is open; judging the last good one from 3m0s ago"},
		{"restored", restored(-2 * time.Minute)(measured("a", 0.1)), "deny", slo.CodeStaleData,
			"not re-measured since slod started; judging the last good one from 2m0s ago"},
		{"beyond max_staleness", at(-15*time.Minute, "timeout", false)(measured("a", 0.1)), "deny", slo.CodeStaleData,
			"last good measurement 15m0s ago, older than max_staleness 10m0s; latest attempt: timeout; on_missing_data: deny"},
		{"never measured, allow", never("", false, 0)(measured("a", 0.1)), "allow", slo.CodeNoEvaluation,
			"not measured yet; on_missing_data: allow"},
		{"query error names the query", never(`bad_data: unknown function "rat" in rat(x[5m])`, false, -time.Minute)(measured("a", 0.1)), "deny", slo.CodeMeasurementError,
			`never measured successfully: bad_data: unknown function "rat" in rat(x[5m]); on_missing_data: deny`},
		{"no series within grace", never("total query matched no series: sum(rate(slo_http_requets_total[30d]))", true, -4*time.Minute)(measured("a", 0.1)), "deny", slo.CodeNoSeries,
			"never measured: total query matched no series: sum(rate(slo_http_requets_total[30d])) for 4m0s, within no_series_grace 10m0s; budget not judged"},
		{"no series beyond grace", never("total query matched no series: sum(rate(slo_http_requets_total[30d]))", true, -12*time.Minute)(measured("a", 0.1)), "deny", slo.CodeNoSeries,
			"never measured: total query matched no series: sum(rate(slo_http_requets_total[30d])); on_missing_data: deny"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := input(normal, tt.status)
			in.Policy.OnMissingData = tt.onMissing
			if got := message(t, Decide(in), tt.code); got != tt.want {
				t.Errorf("message = %q, want %q", got, tt.want)
			}
		})
	}
}

// One SLO of several failing: the others are judged on their own fresh
// numbers, and the failed one on its kept numbers, so the worst decides.
func TestDecidePartialFailure(t *testing.T) {
	healthy := measured("latency", 0.1)
	failedExhausted := at(-2*time.Minute, "context deadline exceeded", false)(measured("availability", 1.42))
	got := Decide(input(normal, healthy, failedExhausted))
	expect(t, got, slo.Deny, true,
		[]string{"availability:stale_data:warn", "availability:budget_exhausted:deny"}, []string{"freeze_releases"})

	failedHealthy := at(-2*time.Minute, "context deadline exceeded", false)(measured("availability", 0.1))
	got = Decide(input(normal, measured("latency", 0.1), failedHealthy))
	expect(t, got, slo.Warn, true, []string{"availability:stale_data:warn"}, []string{})
	if !strings.Contains(message(t, got, slo.CodeStaleData), "context deadline exceeded") {
		t.Errorf("stale_data does not name the error: %q", message(t, got, slo.CodeStaleData))
	}
}

func TestFreshnessAt(t *testing.T) {
	p := defaultPolicy()
	tests := []struct {
		name string
		s    slo.Status
		want slo.Freshness
	}{
		{"fresh", measured("a", 0), slo.Fresh},
		{"exactly max_staleness old", at(-10*time.Minute, "", false)(measured("a", 0)), slo.Fresh},
		{"a second older", at(-10*time.Minute-time.Second, "", false)(measured("a", 0)), slo.Expired},
		{"failed attempt", at(-time.Minute, "x", false)(measured("a", 0)), slo.Stale},
		{"restored", restored(-time.Minute)(measured("a", 0)), slo.Stale},
		{"never", never("", false, 0)(measured("a", 0)), slo.Unmeasured},
	}
	for _, tt := range tests {
		if got := tt.s.FreshnessAt(p, now); got != tt.want {
			t.Errorf("%s: FreshnessAt = %s, want %s", tt.name, got, tt.want)
		}
	}
}
