package policy

import (
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// Default thresholds: 50% warns everyone; 75% and 100% deny normal deploys
// and warn critical and rollback ones.
func TestDecideDefaultThresholds(t *testing.T) {
	exempt := ":priority_exempt:warn"
	tests := []struct {
		name     string
		priority slo.Priority
		consumed float64
		decision slo.Decision
		reasons  []string
		actions  []string
	}{
		{"49% normal", normal, 0.49, slo.Allow, []string{}, []string{}},
		{"49% rollback", rollback, 0.49, slo.Allow, []string{}, []string{}},
		{"50% normal", normal, 0.5, slo.Warn, []string{"a:budget_threshold:warn"}, []string{"increase_monitoring"}},
		{"50% critical", critical, 0.5, slo.Warn, []string{"a:budget_threshold:warn"}, []string{"increase_monitoring"}},
		{"50% rollback", rollback, 0.5, slo.Warn, []string{"a:budget_threshold:warn"}, []string{"increase_monitoring"}},
		{"74% normal", normal, 0.74, slo.Warn, []string{"a:budget_threshold:warn"}, []string{"increase_monitoring"}},
		{"75% normal", normal, 0.75, slo.Deny, []string{"a:budget_threshold:deny"}, []string{"limit_releases"}},
		{"75% critical", critical, 0.75, slo.Warn, []string{exempt, "a:budget_threshold:warn"}, []string{"limit_releases"}},
		{"75% rollback", rollback, 0.75, slo.Warn, []string{exempt, "a:budget_threshold:warn"}, []string{"limit_releases"}},
		{"99% normal", normal, 0.99, slo.Deny, []string{"a:budget_threshold:deny"}, []string{"limit_releases"}},
		{"99% critical", critical, 0.99, slo.Warn, []string{exempt, "a:budget_threshold:warn"}, []string{"limit_releases"}},
		{"100% normal", normal, 1, slo.Deny, []string{"a:budget_exhausted:deny"}, []string{"freeze_releases"}},
		{"100% critical", critical, 1, slo.Warn, []string{exempt, "a:budget_exhausted:warn"}, []string{"freeze_releases"}},
		{"100% rollback", rollback, 1, slo.Warn, []string{exempt, "a:budget_exhausted:warn"}, []string{"freeze_releases"}},
		{"142% normal", normal, 1.42, slo.Deny, []string{"a:budget_exhausted:deny"}, []string{"freeze_releases"}},
		{"142% critical", critical, 1.42, slo.Warn, []string{exempt, "a:budget_exhausted:warn"}, []string{"freeze_releases"}},
		{"142% rollback", rollback, 1.42, slo.Warn, []string{exempt, "a:budget_exhausted:warn"}, []string{"freeze_releases"}},
		// An unknown priority gets what a normal deploy gets.
		{"75% unknown priority", "p0", 0.75, slo.Deny, []string{"a:budget_threshold:deny"}, []string{"limit_releases"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expect(t, Decide(input(tt.priority, measured("a", tt.consumed))), tt.decision, false, tt.reasons, tt.actions)
		})
	}
}

// Budgets computed the real way: 1-0.99 is 0.010000000000000009 in binary,
// so 75 errors out of 10,000 consume 74.99999999999993%, which must still
// reach the 75% threshold; 100 of 10,000 likewise reach 100%.
func TestDecideThresholdBoundaryFromCounts(t *testing.T) {
	tests := []struct {
		errors   float64
		decision slo.Decision
		code     string
		message  string
	}{
		{74, slo.Warn, slo.CodeBudgetThreshold, "budget 74% consumed (threshold 50%): increase_monitoring"},
		{75, slo.Deny, slo.CodeBudgetThreshold, "budget 75% consumed (threshold 75%): limit_releases; allowed priorities: critical, rollback"},
		{100, slo.Deny, slo.CodeBudgetExhausted, "budget 100% consumed (threshold 100%): freeze_releases; allowed priorities: critical, rollback"},
		{142, slo.Deny, slo.CodeBudgetExhausted, "budget 142% consumed (threshold 100%): freeze_releases; allowed priorities: critical, rollback"},
	}
	for _, tt := range tests {
		s := slo.Status{Name: "a", Window: "7d", EvaluatedAt: measuredAt,
			Budget: slo.ComputeBudget(0.99, 7*24*time.Hour, slo.Counts{Errors: tt.errors, Total: 10000}, 100)}
		got := Decide(input(normal, s))
		if got.Decision != tt.decision {
			t.Errorf("%v errors: decision = %s, want %s", tt.errors, got.Decision, tt.decision)
		}
		if m := message(t, got, tt.code); m != tt.message {
			t.Errorf("%v errors: message = %q, want %q", tt.errors, m, tt.message)
		}
	}
}

func TestDecideCustomThresholds(t *testing.T) {
	exempt := ":priority_exempt:warn"
	tests := []struct {
		name       string
		thresholds []slo.Threshold
		priority   slo.Priority
		consumed   float64
		decision   slo.Decision
		reasons    []string
		actions    []string
	}{
		{"empty allow warns normal even when exhausted",
			[]slo.Threshold{{Consumed: 1, Action: "page_oncall"}}, normal, 1.2,
			slo.Warn, []string{"a:budget_exhausted:warn"}, []string{"page_oncall"}},
		{"allow rollback only denies critical",
			[]slo.Threshold{{Consumed: 0.8, Action: "freeze_releases", Allow: []slo.Priority{rollback}}}, critical, 0.9,
			slo.Deny, []string{"a:budget_threshold:deny"}, []string{"freeze_releases"}},
		{"allow rollback only, rollback",
			[]slo.Threshold{{Consumed: 0.8, Action: "freeze_releases", Allow: []slo.Priority{rollback}}}, rollback, 0.9,
			slo.Warn, []string{exempt, "a:budget_threshold:warn"}, []string{"freeze_releases"}},
		{"rollback never denied by budget, even if not listed",
			[]slo.Threshold{{Consumed: 1, Action: "freeze_releases", Allow: []slo.Priority{critical}}}, rollback, 1.1,
			slo.Warn, []string{exempt, "a:budget_exhausted:warn"}, []string{"freeze_releases"}},
		{"allow normal warns normal",
			[]slo.Threshold{{Consumed: 0.9, Action: "review", Allow: []slo.Priority{normal, critical, rollback}}}, normal, 0.95,
			slo.Warn, []string{"a:budget_threshold:warn"}, []string{"review"}},
		// 80% lies between 75% and 100%: the 75% one applies, wherever it is listed.
		{"unsorted thresholds",
			[]slo.Threshold{
				{Consumed: 0.5, Action: "increase_monitoring"},
				{Consumed: 1, Action: "freeze_releases", Allow: []slo.Priority{critical}},
				{Consumed: 0.75, Action: "limit_releases", Allow: []slo.Priority{critical}},
			}, normal, 0.8,
			slo.Deny, []string{"a:budget_threshold:deny"}, []string{"limit_releases"}},
		{"no thresholds", nil, normal, 1.5, slo.Allow, []string{}, []string{}},
		{"action repeated in actions",
			[]slo.Threshold{{Consumed: 1, Action: "freeze_releases", Actions: []string{"freeze_releases", "notify_stakeholders"},
				Allow: []slo.Priority{critical}}}, normal, 1,
			slo.Deny, []string{"a:budget_exhausted:deny"}, []string{"freeze_releases", "notify_stakeholders"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := input(tt.priority, measured("a", tt.consumed))
			in.Policy.Thresholds = tt.thresholds
			expect(t, Decide(in), tt.decision, false, tt.reasons, tt.actions)
		})
	}
}

func TestDecideThresholdMessages(t *testing.T) {
	tests := []struct {
		name       string
		thresholds []slo.Threshold
		consumed   float64
		code       string
		want       string
	}{
		{"no allow list", defaultPolicy().Thresholds, 0.5, slo.CodeBudgetThreshold,
			"budget 50% consumed (threshold 50%): increase_monitoring"},
		{"seed-style action list",
			[]slo.Threshold{{Consumed: 1, Actions: []string{"freeze_releases", "notify_stakeholders"},
				Allow: []slo.Priority{critical, rollback}}}, 1.255, slo.CodeBudgetExhausted,
			"budget 125.5% consumed (threshold 100%): freeze_releases, notify_stakeholders; allowed priorities: critical, rollback"},
		{"no action", []slo.Threshold{{Consumed: 0.9}}, 0.9, slo.CodeBudgetThreshold,
			"budget 90% consumed (threshold 90%)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := input(normal, measured("a", tt.consumed))
			in.Policy.Thresholds = tt.thresholds
			if got := message(t, Decide(in), tt.code); got != tt.want {
				t.Errorf("message = %q, want %q", got, tt.want)
			}
		})
	}
}

// The SLO has used 10% of its budget, below every threshold, so only the
// burn conditions count.
func TestDecideFastBurn(t *testing.T) {
	exempt := ":priority_exempt:warn"
	firing := page1h(20, 15.5)
	tests := []struct {
		name     string
		block    bool
		priority slo.Priority
		slo      slo.Status
		decision slo.Decision
		reasons  []string
	}{
		{"blocking, normal", true, normal, withConditions(measured("a", 0.1), firing), slo.Deny, []string{"a:fast_burn:deny"}},
		{"blocking, critical", true, critical, withConditions(measured("a", 0.1), firing), slo.Warn, []string{exempt, "a:fast_burn:warn"}},
		{"blocking, rollback", true, rollback, withConditions(measured("a", 0.1), firing), slo.Warn, []string{exempt, "a:fast_burn:warn"}},
		{"blocking, unknown priority", true, "p0", withConditions(measured("a", 0.1), firing), slo.Deny, []string{"a:fast_burn:deny"}},
		{"not blocking, normal", false, normal, withConditions(measured("a", 0.1), firing), slo.Warn, []string{"a:fast_burn:warn"}},
		{"not blocking, critical", false, critical, withConditions(measured("a", 0.1), firing), slo.Warn, []string{"a:fast_burn:warn"}},
		{"not blocking, rollback", false, rollback, withConditions(measured("a", 0.1), firing), slo.Warn, []string{"a:fast_burn:warn"}},
		// 3x over 1d and 2h: a slow burn for a ticket, not a reason to stop deploys.
		{"ticket only firing", true, normal, withConditions(measured("a", 0.1), ticket1d(5, 4)), slo.Allow, []string{}},
		// 10x over 5m is under 14.4x: the page condition does not hold.
		{"page not firing", true, normal, withConditions(measured("a", 0.1), page1h(20, 10)), slo.Allow, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := input(tt.priority, tt.slo)
			in.Policy.BlockOnFastBurn = tt.block
			expect(t, Decide(in), tt.decision, false, tt.reasons, []string{})
		})
	}
}

func TestDecideFastBurnMessage(t *testing.T) {
	s := withConditions(measured("a", 0.1),
		page1h(20, 15.5),
		condition("page", 6*time.Hour, 6, 7.25, 8),
		ticket1d(5, 4))
	both := "fast burn: burn rate 20x over 1h and 15.5x over 5m, above 14.4x; burn rate 7.25x over 6h and 8x over 30m, above 6x"
	for _, block := range []bool{true, false} {
		in := input(normal, s)
		in.Policy.BlockOnFastBurn = block
		want := both
		if !block {
			want += " (block_on_fast_burn is off)"
		}
		if got := message(t, Decide(in), slo.CodeFastBurn); got != want {
			t.Errorf("block %v: message = %q, want %q", block, got, want)
		}
	}
}

// Too few events say nothing about budget or burn: a firing page condition
// on a few events warns instead of denying. (A failed measurement is not
// such a case: see TestDecideFreshnessMatrix.)
func TestDecideUnmeasuredSLO(t *testing.T) {
	week := 7 * 24 * time.Hour
	tests := []struct {
		name    string
		slo     slo.Status
		code    string
		message string
	}{
		{"no traffic",
			slo.Status{Name: "a", Window: "7d", EvaluatedAt: measuredAt, Budget: slo.ComputeBudget(0.99, week, slo.Counts{}, 100)},
			slo.CodeInsufficientData, "no traffic in the 7d window; budget not judged"},
		// 30 of 60 failed would be 5000% of a 1% budget, but 60 < min_events 100.
		{"fewer than min_events",
			withConditions(slo.Status{Name: "a", Window: "7d", EvaluatedAt: measuredAt,
				Budget: slo.ComputeBudget(0.99, week, slo.Counts{Errors: 30, Total: 60}, 100)}, page1h(50, 50)),
			slo.CodeInsufficientData, "60 events in the 7d window, fewer than min_events 100; budget not judged"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Decide(input(normal, tt.slo))
			expect(t, got, slo.Warn, false, []string{"a:" + tt.code + ":warn"}, []string{})
			if m := message(t, got, tt.code); m != tt.message {
				t.Errorf("message = %q, want %q", m, tt.message)
			}
		})
	}
}

func TestDecideWorstOverSLOs(t *testing.T) {
	noData := slo.Status{Name: "c", Window: "30d", EvaluatedAt: measuredAt, Budget: slo.Budget{Status: slo.StatusNoData}}
	// d's latest attempt failed; its kept numbers (10% consumed) are judged.
	broken := at(-time.Minute, "timeout", false)(measured("d", 0.1))
	burning := withConditions(measured("b", 1.2), page1h(20, 15.5))
	tests := []struct {
		name     string
		priority slo.Priority
		slos     []slo.Status
		decision slo.Decision
		stale    bool
		reasons  []string
		actions  []string
	}{
		{"all healthy", normal, []slo.Status{measured("a", 0.1), measured("b", 0.2)}, slo.Allow, false, []string{}, []string{}},
		{"warnings only", normal, []slo.Status{measured("a", 0.6), noData, broken}, slo.Warn, true,
			[]string{"a:budget_threshold:warn", "c:insufficient_data:warn", "d:stale_data:warn"},
			[]string{"increase_monitoring"}},
		{"one deny among warnings", normal, []slo.Status{measured("a", 0.6), burning, noData, broken}, slo.Deny, true,
			[]string{"a:budget_threshold:warn", "b:budget_exhausted:deny", "b:fast_burn:deny",
				"c:insufficient_data:warn", "d:stale_data:warn"},
			[]string{"increase_monitoring", "freeze_releases"}},
		{"deny listed last still wins", normal, []slo.Status{measured("a", 0.1), measured("b", 0.6), measured("c", 0.8)}, slo.Deny, false,
			[]string{"b:budget_threshold:warn", "c:budget_threshold:deny"},
			[]string{"increase_monitoring", "limit_releases"}},
		{"rollback through everything", rollback, []slo.Status{measured("a", 0.6), burning}, slo.Warn, false,
			[]string{":priority_exempt:warn", "a:budget_threshold:warn", "b:budget_exhausted:warn", "b:fast_burn:warn"},
			[]string{"increase_monitoring", "freeze_releases"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expect(t, Decide(input(tt.priority, tt.slos...)), tt.decision, tt.stale, tt.reasons, tt.actions)
		})
	}
}

func TestDecideExemptMessage(t *testing.T) {
	in := input(rollback, measured("a", 0.6), withConditions(measured("b", 1.2), page1h(20, 15.5)))
	want := "rollback deploy goes ahead; a normal deploy would be denied by budget_exhausted (b), fast_burn (b)"
	if got := message(t, Decide(in), slo.CodePriorityExempt); got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
}

// Actions keep the order in which SLOs first reach them, each listed once.
func TestDecideActionsDeduplicated(t *testing.T) {
	got := Decide(input(normal, measured("a", 0.8), measured("b", 1.2), measured("c", 1), measured("d", 0.9)))
	expect(t, got, slo.Deny, false,
		[]string{"a:budget_threshold:deny", "b:budget_exhausted:deny", "c:budget_exhausted:deny", "d:budget_threshold:deny"},
		[]string{"limit_releases", "freeze_releases"})
}
