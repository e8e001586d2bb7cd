package store

import (
	"context"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

// Decisions, recorded deploys and audit rows older than the cut-off go;
// newer ones, and the overrides themselves, stay.
func TestPruneDecisions(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := b.open(t)
		old, recent := t0.Add(-48*time.Hour), t0.Add(-time.Hour)
		o, err := s.CreateOverride(ctx, slo.Override{Service: "checkout", Reason: "fix", Actor: "ana", CreatedAt: old, ExpiresAt: old.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.RevokeOverride(ctx, o.ID, "bo", recent); err != nil {
			t.Fatal(err)
		}
		for _, at := range []time.Time{old, old.Add(time.Minute), recent, t0} {
			d := slo.DecisionRecord{At: at, Service: "checkout", Priority: slo.PriorityNormal, Decision: slo.Allow, Allowed: true, OverrideID: &o.ID}
			if _, err := s.RecordDecision(ctx, d); err != nil {
				t.Fatal(err)
			}
		}

		for _, at := range []time.Time{old, recent} {
			if _, err := s.RecordDeployment(ctx, slo.Deployment{Service: "checkout", Version: "v" + at.Format("15"), Priority: slo.PriorityNormal, At: at, RecordedAt: at}); err != nil {
				t.Fatal(err)
			}
		}

		p, err := s.PruneDecisions(ctx, t0.Add(-24*time.Hour))
		if err != nil || p != (Pruned{Decisions: 2, Deployments: 1, Audit: 1}) {
			t.Fatalf("pruned %+v (%v), want 2 decisions, 1 deploy and 1 audit row", p, err)
		}
		if ds, err := s.Deployments(ctx, DeploymentQuery{}); err != nil || len(ds) != 1 || !ds[0].At.Equal(recent) {
			t.Errorf("deploys left %+v (%v), want the one at %v", ds, err, recent)
		}
		left, err := s.Decisions(ctx, slo.DecisionQuery{})
		if err != nil || len(left) != 2 || !left[0].At.Equal(t0) || !left[1].At.Equal(recent) {
			t.Errorf("decisions left %+v (%v), want those at %v and %v", left, err, t0, recent)
		}
		entries, err := s.AuditLog(ctx, 0)
		if err != nil || len(entries) != 1 || entries[0].Action != AuditOverrideRevoke {
			t.Errorf("audit log left %+v (%v), want only the revocation", entries, err)
		}
		if os, err := s.Overrides(ctx, "checkout", nil); err != nil || len(os) != 1 {
			t.Errorf("overrides = %+v, %v; want the override kept", os, err)
		}
		if p, err := s.PruneDecisions(ctx, t0.Add(-24*time.Hour)); err != nil || p != (Pruned{}) {
			t.Errorf("second prune = %+v, %v; want nothing", p, err)
		}
	})
}
