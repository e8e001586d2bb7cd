package policy

import (
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

func TestDecideOverride(t *testing.T) {
	revoked := now.Add(-10 * time.Minute)
	override := func(id int64, expiresIn time.Duration) slo.Override {
		return slo.Override{ID: id, Service: "checkout", Reason: "incident 42 hotfix", Actor: "alice",
			CreatedAt: now.Add(-time.Hour), ExpiresAt: now.Add(expiresIn)}
	}
	revokedOverride := override(3, 3*time.Hour)
	revokedOverride.RevokedAt, revokedOverride.RevokedBy = &revoked, "bob"

	// Without an override the exhausted budget (142%) denies a normal deploy.
	denied := []string{"availability:budget_exhausted:deny"}
	tests := []struct {
		name      string
		overrides []slo.Override
		wantID    int64 // 0: no override applies
	}{
		{"none", nil, 0},
		{"active", []slo.Override{override(1, 2*time.Hour)}, 1},
		{"expires exactly now", []slo.Override{override(1, 0)}, 0},
		{"expired", []slo.Override{override(1, -time.Minute)}, 0},
		{"revoked before expiry", []slo.Override{revokedOverride}, 0},
		{"two active, later listed first", []slo.Override{override(1, 2*time.Hour), override(2, time.Hour)}, 1},
		{"two active, later listed second", []slo.Override{override(2, time.Hour), override(1, 2*time.Hour)}, 1},
		{"revoked one lasts longer", []slo.Override{revokedOverride, override(2, time.Hour)}, 2},
		{"expired one listed next to active", []slo.Override{override(1, -time.Hour), override(2, time.Hour)}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := input(normal, measured("availability", 1.42))
			in.Overrides = tt.overrides
			got := Decide(in)
			if tt.wantID == 0 {
				expect(t, got, slo.Deny, false, denied, []string{"freeze_releases"})
				if got.Override != nil {
					t.Errorf("override = %+v, want nil", got.Override)
				}
				return
			}
			expect(t, got, slo.Allow, false, []string{":override_active:allow"}, []string{})
			if got.Override == nil || got.Override.ID != tt.wantID {
				t.Fatalf("override = %+v, want id %d", got.Override, tt.wantID)
			}
		})
	}
}

func TestDecideOverrideMessage(t *testing.T) {
	in := input(normal, measured("availability", 1.42))
	in.Overrides = []slo.Override{{ID: 1, Reason: "incident 42 hotfix", Actor: "alice", ExpiresAt: now.Add(2 * time.Hour)}}
	want := "override by alice until 2026-11-27T20:00:00Z: incident 42 hotfix"
	if got := message(t, Decide(in), slo.CodeOverride); got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
}

// An override allows even without fresh data, but the answer still says
// the data is stale.
func TestDecideOverrideReportsStale(t *testing.T) {
	tests := []struct {
		name      string
		status    func(slo.Status) slo.Status
		wantStale bool
	}{
		{"never evaluated", func(s slo.Status) slo.Status { s.EvaluatedAt = time.Time{}; return s }, true},
		{"too old", func(s slo.Status) slo.Status { s.EvaluatedAt = now.Add(-time.Hour); return s }, true},
		{"last attempt failed", func(s slo.Status) slo.Status { s.Error = "timeout"; return s }, true},
		{"fresh", func(s slo.Status) slo.Status { return s }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := input(normal, tt.status(measured("availability", 1.42)))
			in.Overrides = []slo.Override{{ID: 1, Actor: "alice", ExpiresAt: now.Add(time.Hour)}}
			expect(t, Decide(in), slo.Allow, tt.wantStale, []string{":override_active:allow"}, []string{})
		})
	}
}

// Clients rely on [] rather than null for reasons and actions: a decision
// carries empty lists, never nil ones, for the API to pass on.
func TestDecideGivesEmptyListsNotNil(t *testing.T) {
	got := Decide(input(normal, measured("availability", 0.1)))
	expect(t, got, slo.Allow, false, []string{}, []string{})
	if got.Reasons == nil || got.Actions == nil || got.Override != nil {
		t.Errorf("reasons %#v, actions %#v, override %v; want empty lists and no override", got.Reasons, got.Actions, got.Override)
	}
}
