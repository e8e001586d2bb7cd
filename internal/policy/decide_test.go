package policy

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

func TestDecideOverride(t *testing.T) {
	revoked := now.Add(-10 * time.Minute)
	override := func(id int64, expiresIn time.Duration) Override {
		return Override{ID: id, Service: "checkout", Reason: "incident 42 hotfix", Actor: "alice",
			CreatedAt: now.Add(-time.Hour), ExpiresAt: now.Add(expiresIn)}
	}
	revokedOverride := override(3, 3*time.Hour)
	revokedOverride.RevokedAt, revokedOverride.RevokedBy = &revoked, "bob"

	// Without an override the exhausted budget (142%) denies a normal deploy.
	denied := []string{"availability:budget_exhausted:deny"}
	tests := []struct {
		name      string
		overrides []Override
		wantID    int64 // 0: no override applies
	}{
		{"none", nil, 0},
		{"active", []Override{override(1, 2*time.Hour)}, 1},
		{"expires exactly now", []Override{override(1, 0)}, 0},
		{"expired", []Override{override(1, -time.Minute)}, 0},
		{"revoked before expiry", []Override{revokedOverride}, 0},
		{"two active, later listed first", []Override{override(1, 2*time.Hour), override(2, time.Hour)}, 1},
		{"two active, later listed second", []Override{override(2, time.Hour), override(1, 2*time.Hour)}, 1},
		{"revoked one lasts longer", []Override{revokedOverride, override(2, time.Hour)}, 2},
		{"expired one listed next to active", []Override{override(1, -time.Hour), override(2, time.Hour)}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := input(normal, measured("availability", 1.42))
			in.Overrides = tt.overrides
			got := Decide(in)
			if tt.wantID == 0 {
				expect(t, got, Deny, false, denied, []string{"freeze_releases"})
				if got.Override != nil {
					t.Errorf("override = %+v, want nil", got.Override)
				}
				return
			}
			expect(t, got, Allow, false, []string{":override_active:allow"}, []string{})
			if got.Override == nil || got.Override.ID != tt.wantID {
				t.Fatalf("override = %+v, want id %d", got.Override, tt.wantID)
			}
		})
	}
}

func TestDecideOverrideMessage(t *testing.T) {
	in := input(normal, measured("availability", 1.42))
	in.Overrides = []Override{{ID: 1, Reason: "incident 42 hotfix", Actor: "alice", ExpiresAt: now.Add(2 * time.Hour)}}
	want := "override by alice until 2026-11-27T20:00:00Z: incident 42 hotfix"
	if got := message(t, Decide(in), CodeOverride); got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
}

// An override allows even without fresh data, but the answer still says
// the data is stale.
func TestDecideOverrideReportsStale(t *testing.T) {
	tests := []struct {
		name        string
		evaluatedAt time.Time
		inStale     bool
		wantStale   bool
	}{
		{"never evaluated", time.Time{}, false, true},
		{"too old", now.Add(-time.Hour), false, true},
		{"last attempt failed", now.Add(-time.Minute), true, true},
		{"fresh", now.Add(-time.Minute), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := input(normal, measured("availability", 1.42))
			in.EvaluatedAt, in.Stale = tt.evaluatedAt, tt.inStale
			in.Overrides = []Override{{ID: 1, Actor: "alice", ExpiresAt: now.Add(time.Hour)}}
			expect(t, Decide(in), Allow, tt.wantStale, []string{":override_active:allow"}, []string{})
		})
	}
}

func TestDecideFreshness(t *testing.T) {
	never := time.Time{}
	old := now.Add(-15 * time.Minute) // max_staleness is 10m
	exempt := ":priority_exempt:warn"
	tests := []struct {
		name        string
		priority    slo.Priority
		onMissing   string
		evaluatedAt time.Time
		inStale     bool
		decision    string
		stale       bool
		reasons     []string
		actions     []string
	}{
		{"never, deny, normal", normal, "deny", never, false, Deny, true, []string{":no_evaluation:deny"}, nil},
		{"never, deny, critical", critical, "deny", never, false, Warn, true, []string{":no_evaluation:warn", exempt}, nil},
		{"never, deny, rollback", rollback, "deny", never, false, Warn, true, []string{":no_evaluation:warn", exempt}, nil},
		{"never, allow, normal", normal, "allow", never, false, Warn, true, []string{":no_evaluation:warn"}, nil},
		{"never, allow, rollback", rollback, "allow", never, false, Warn, true, []string{":no_evaluation:warn"}, nil},
		{"old, deny, normal", normal, "deny", old, false, Deny, true, []string{":stale_data:deny"}, nil},
		{"old, deny, critical", critical, "deny", old, false, Warn, true, []string{":stale_data:warn", exempt}, nil},
		{"old, deny, rollback", rollback, "deny", old, false, Warn, true, []string{":stale_data:warn", exempt}, nil},
		{"old, deny, unknown priority", "p0", "deny", old, false, Deny, true, []string{":stale_data:deny"}, nil},
		{"old, allow, normal", normal, "allow", old, false, Warn, true, []string{":stale_data:warn"}, nil},
		{"old, allow, critical", critical, "allow", old, false, Warn, true, []string{":stale_data:warn"}, nil},
		{"old, allow, rollback", rollback, "allow", old, false, Warn, true, []string{":stale_data:warn"}, nil},
		{"old, unset on_missing_data fails closed", normal, "", old, false, Deny, true, []string{":stale_data:deny"}, nil},
		{"old and last attempt failed", normal, "allow", old, true, Warn, true, []string{":stale_data:warn"}, nil},
		// Exactly max_staleness old is still fresh: the 142% budget decides.
		{"age equals max_staleness", normal, "deny", now.Add(-10 * time.Minute), false, Deny, false,
			[]string{"availability:budget_exhausted:deny"}, []string{"freeze_releases"}},
		{"last attempt failed, within max_staleness", normal, "deny", now.Add(-3 * time.Minute), true, Deny, true,
			[]string{":stale_data:warn", "availability:budget_exhausted:deny"}, []string{"freeze_releases"}},
		{"last attempt failed, rollback", rollback, "deny", now.Add(-3 * time.Minute), true, Warn, true,
			[]string{":stale_data:warn", exempt, "availability:budget_exhausted:warn"}, []string{"freeze_releases"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := input(tt.priority, measured("availability", 1.42))
			in.Policy.OnMissingData = tt.onMissing
			in.EvaluatedAt, in.Stale = tt.evaluatedAt, tt.inStale
			actions := tt.actions
			if actions == nil {
				actions = []string{} // untrusted data contributes no actions
			}
			expect(t, Decide(in), tt.decision, tt.stale, tt.reasons, actions)
		})
	}
}

func TestDecideFreshnessMessages(t *testing.T) {
	tests := []struct {
		name        string
		priority    slo.Priority
		onMissing   string
		evaluatedAt time.Time
		inStale     bool
		code        string
		want        string
	}{
		{"too old", normal, "deny", now.Add(-15 * time.Minute), false, CodeStaleData,
			"last successful evaluation 15m0s ago, older than max_staleness 10m0s; on_missing_data: deny"},
		{"never, allow", normal, "allow", time.Time{}, false, CodeNoEvaluation,
			"the service has never been evaluated successfully; on_missing_data: allow"},
		{"last attempt failed", normal, "deny", now.Add(-3 * time.Minute), true, CodeStaleData,
			"the latest evaluation failed; using the last good one from 3m0s ago"},
		{"rollback exempt", rollback, "deny", now.Add(-15 * time.Minute), false, CodePriorityExempt,
			"rollback deploy goes ahead; a normal deploy would be denied by stale_data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := input(tt.priority, measured("availability", 0.1))
			in.Policy.OnMissingData = tt.onMissing
			in.EvaluatedAt, in.Stale = tt.evaluatedAt, tt.inStale
			if got := message(t, Decide(in), tt.code); got != tt.want {
				t.Errorf("message = %q, want %q", got, tt.want)
			}
		})
	}
}

// Clients rely on [] rather than null for reasons and actions.
func TestDecideEmptyListsMarshalAsArrays(t *testing.T) {
	got := Decide(input(normal, measured("availability", 0.1)))
	expect(t, got, Allow, false, []string{}, []string{})
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"reasons":[]`, `"actions":[]`, `"override":null`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %s", b, want)
		}
	}
}
