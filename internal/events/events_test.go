package events

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/engine"
	"github.com/slo-dev/slo/internal/gate"
	"github.com/slo-dev/slo/internal/slo"
	"github.com/slo-dev/slo/internal/store"
)

var now = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

func newEvents(t *testing.T) *Events {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "slod.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	spec := slo.Spec{Service: "checkout", SLOs: []slo.SLO{
		{Name: "availability", Slug: "availability", Window: 30 * 24 * time.Hour},
		{Name: "Slow pages", Slug: "slow-pages", Window: 7 * 24 * time.Hour},
	}}
	snap := &engine.Snapshot{Services: map[string]engine.ServiceState{"checkout": {Spec: spec}}}
	e := New(st, SnapshotFunc(func() *engine.Snapshot { return snap }), slog.New(slog.NewTextHandler(io.Discard, nil)),
		Options{Clock: func() time.Time { return now }})
	return e
}

func fieldOf(err error) string {
	var fe *gate.FieldError
	if errors.As(err, &fe) {
		return fe.Field
	}
	return ""
}

func TestRecordDeployment(t *testing.T) {
	ctx := context.Background()
	e := newEvents(t)
	for _, tt := range []struct {
		name  string
		req   DeploymentRequest
		field string
	}{
		{"no version", DeploymentRequest{}, "version"},
		{"beyond the clock skew", DeploymentRequest{Version: "v1", At: ptr(now.Add(61 * time.Second))}, "at"},
		{"link not http", DeploymentRequest{Version: "v1", Link: "javascript:alert(1)"}, "link"},
		{"unknown priority", DeploymentRequest{Version: "v1", Priority: "urgent"}, "priority"},
		{"escape in the version", DeploymentRequest{Version: "v1\x1b[2J"}, "version"},
	} {
		if _, err := e.RecordDeployment(ctx, "checkout", tt.req); fieldOf(err) != tt.field {
			t.Errorf("%s: %v, want a field error on %s", tt.name, err, tt.field)
		}
	}
	if _, err := e.RecordDeployment(ctx, "nope", DeploymentRequest{Version: "v1"}); !errors.Is(err, gate.ErrUnknownService) {
		t.Errorf("unknown service: %v", err)
	}
	// Within the skew, and one in the past: newest first in memory.
	for _, at := range []time.Time{now.Add(30 * time.Second), now.Add(-time.Hour), now.Add(-3 * 24 * time.Hour)} {
		if _, err := e.RecordDeployment(ctx, "checkout", DeploymentRequest{Version: at.Format(time.TimeOnly), At: ptr(at)}); err != nil {
			t.Fatal(err)
		}
	}
	recent := e.RecentDeployments("checkout")
	if len(recent) != 2 || !recent[0].At.Equal(now.Add(30*time.Second)) || recent[0].Priority != slo.PriorityNormal {
		t.Fatalf("recent deployments %+v: want the two of the last 2 days, newest first", recent)
	}
	// Reloaded from the store (as at start), the same two.
	if err := e.Refresh(ctx); err != nil || len(e.RecentDeployments("checkout")) != 2 {
		t.Fatalf("after Refresh: %+v, %v", e.RecentDeployments("checkout"), err)
	}
}

func TestCorrections(t *testing.T) {
	ctx := context.Background()
	e := newEvents(t)
	req := func(from, to time.Time, slos ...string) CorrectionRequest {
		return CorrectionRequest{From: &from, To: &to, Reason: "failover drill", Actor: "ana", SLOs: slos}
	}
	for _, tt := range []struct {
		name  string
		req   CorrectionRequest
		field string
	}{
		{"to before from", req(now, now.Add(-time.Minute)), "to"},
		{"empty span", req(now, now), "to"},
		{"longer than 7d", req(now.Add(-8*24*time.Hour), now), "to"},
		{"older than the longest window", req(now.Add(-31*24*time.Hour), now.Add(-30*24*time.Hour)), "from"},
		{"too far ahead", req(now.Add(91*24*time.Hour), now.Add(92*24*time.Hour)), "from"},
		{"unknown SLO", req(now.Add(-time.Hour), now, "latency"), "slos"},
		{"no reason", CorrectionRequest{From: ptr(now.Add(-time.Hour)), To: &now, Actor: "ana"}, "reason"},
		{"no from", CorrectionRequest{To: &now, Reason: "x", Actor: "ana"}, "from"},
	} {
		if _, err := e.CreateCorrection(ctx, "checkout", tt.req); fieldOf(err) != tt.field {
			t.Errorf("%s: %v, want a field error on %s", tt.name, err, tt.field)
		}
	}
	// Names and slugs both name an SLO; a future span is planned work.
	c, err := e.CreateCorrection(ctx, "checkout", req(now.Add(time.Hour), now.Add(2*time.Hour), "Slow pages", "slow-pages"))
	if err != nil || len(c.SLOs) != 1 || c.SLOs[0] != "slow-pages" {
		t.Fatalf("CreateCorrection = %+v, %v", c, err)
	}
	if in := e.Corrections("checkout"); len(in) != 1 || in[0].ID != c.ID {
		t.Fatalf("corrections in memory %+v", in)
	}
	if _, err := e.RevokeCorrection(ctx, "checkout", c.ID+1, "bob"); !errors.Is(err, ErrUnknownCorrection) {
		t.Errorf("revoking an unknown correction: %v", err)
	}
	if _, err := e.RevokeCorrection(ctx, "checkout", c.ID, "bob"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.RevokeCorrection(ctx, "checkout", c.ID, "bob"); !errors.Is(err, ErrAlreadyRevoked) {
		t.Errorf("revoking twice: %v", err)
	}
	if in := e.Corrections("checkout"); len(in) != 0 {
		t.Fatalf("a revoked correction is still in force: %+v", in)
	}
	all, err := e.ListCorrections(ctx, "checkout")
	if err != nil || len(all) != 1 || all[0].RevokedBy != "bob" {
		t.Fatalf("ListCorrections = %+v, %v", all, err)
	}
}

func ptr[T any](v T) *T { return &v }
