package store

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

func TestDeployments(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := b.open(t)
		for i, v := range []string{"v1", "v2", "v3"} {
			d := slo.Deployment{Service: "checkout", Version: v, Priority: slo.PriorityNormal, Actor: "ci",
				At: t0.Add(time.Duration(i) * time.Hour), RecordedAt: t0.Add(time.Duration(i) * time.Hour)}
			if id, err := s.RecordDeployment(ctx, d); err != nil || id != int64(i+1) {
				t.Fatalf("RecordDeployment %s = %d, %v", v, id, err)
			}
		}
		if _, err := s.RecordDeployment(ctx, slo.Deployment{Service: "search", Version: "x", At: t0, RecordedAt: t0}); err != nil {
			t.Fatal(err)
		}
		got, err := s.Deployments(ctx, DeploymentQuery{Service: "checkout", Since: t0.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Version != "v3" || got[1].Version != "v2" || !got[1].At.Equal(t0.Add(time.Hour)) {
			t.Fatalf("Deployments since v2 = %+v, want v3 then v2", got)
		}
		if all, _ := s.Deployments(ctx, DeploymentQuery{}); len(all) != 4 {
			t.Fatalf("all deployments: %d, want 4", len(all))
		}
	})
}

func TestCorrections(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s := b.open(t)
		in := slo.Correction{Service: "checkout", SLOs: []string{"availability"}, From: t0, To: t0.Add(time.Hour),
			Reason: "planned failover", Actor: "ana", CreatedAt: t0}
		c, err := s.CreateCorrection(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		in.ID = 1
		if !reflect.DeepEqual(c, in) {
			t.Fatalf("CreateCorrection = %+v, want %+v", c, in)
		}
		at := t0.Add(30 * time.Minute)
		if active, _ := s.Corrections(ctx, "checkout", &at); len(active) != 1 {
			t.Fatalf("active corrections: %+v", active)
		}
		if _, err := s.RevokeCorrection(ctx, "search", 1, "bob", at); !errors.Is(err, ErrNotFound) {
			t.Fatalf("revoking another service's correction: %v, want ErrNotFound", err)
		}
		r, err := s.RevokeCorrection(ctx, "checkout", 1, "bob", at)
		if err != nil || r.RevokedAt == nil || !r.RevokedAt.Equal(at) || r.RevokedBy != "bob" {
			t.Fatalf("RevokeCorrection = %+v, %v", r, err)
		}
		if _, err := s.RevokeCorrection(ctx, "checkout", 1, "bob", at); !errors.Is(err, ErrAlreadyRevoked) {
			t.Fatalf("second revoke: %v", err)
		}
		if active, _ := s.Corrections(ctx, "checkout", &at); len(active) != 0 {
			t.Fatalf("revoked correction still active: %+v", active)
		}
		log, _ := s.AuditLog(ctx, 10)
		if len(log) != 2 || log[0].Action != AuditCorrectionRevoke || log[1].Action != AuditCorrectionCreate {
			t.Fatalf("audit log %+v", log)
		}
	})
}
