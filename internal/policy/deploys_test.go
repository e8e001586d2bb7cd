package policy

import (
	"strings"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/slo"
)

func TestSuspectDeployBlocks(t *testing.T) {
	p := defaultPolicy()
	p.BlockAfterSuspectDeploy = time.Hour
	after, before := 12.0, 1.0
	suspect := slo.Attribution{
		Deployment: slo.Deployment{Version: "v2.3.1", At: now.Add(-20 * time.Minute)},
		Suspect:    true,
		SLOs: []slo.SLOAttribution{{SLO: "availability", Suspect: true, Spans: []slo.AttributionSpan{{
			Length: time.Hour, Elapsed: 20 * time.Minute, AfterBurn: &after, BeforeBurn: &before}}}},
	}
	in := func(pr slo.Priority, at time.Time, deploys ...slo.Attribution) Input {
		s := measured("availability", 0.1)
		s.EvaluatedAt = at.Add(-time.Minute)
		return Input{Policy: p, Priority: pr, SLOs: []slo.Status{s}, Deploys: deploys, Now: at}
	}
	r := Decide(in(normal, now, suspect))
	if r.Decision != slo.Deny || len(r.Reasons) != 1 || r.Reasons[0].Code != slo.CodeSuspectDeploy ||
		!strings.Contains(r.Reasons[0].Message, "v2.3.1") || !strings.Contains(r.Reasons[0].Message, "12x") ||
		!strings.Contains(r.Reasons[0].Message, "until 2026-11-27T18:40:00Z") || r.Actions[0] != "rollback" {
		t.Fatalf("normal deploy 20m after a suspect one: %+v", r)
	}
	if r := Decide(in(rollback, now, suspect)); !r.Allowed || r.Decision != slo.Warn {
		t.Fatalf("rollback: %+v, want allowed with a warning", r)
	}
	// The block ends an hour after the deploy, to the second.
	if r := Decide(in(normal, now.Add(40*time.Minute-time.Second), suspect)); r.Allowed {
		t.Fatalf("a second before the block ends: allowed")
	}
	if r := Decide(in(normal, now.Add(40*time.Minute), suspect)); !r.Allowed || r.Decision != slo.Allow {
		t.Fatalf("at the block's end: %+v", r)
	}
	// A newer deploy (the rollback) ends the block.
	fix := slo.Attribution{Deployment: slo.Deployment{Version: "v2.3.0", At: now.Add(-5 * time.Minute)}}
	if r := Decide(in(normal, now, fix, suspect)); !r.Allowed {
		t.Fatalf("after a rollback: %+v", r)
	}
	// Opt-in: without the policy a suspect deploy blocks nothing.
	p.BlockAfterSuspectDeploy = 0
	if r := Decide(in(normal, now, suspect)); !r.Allowed {
		t.Fatalf("policy off: %+v", r)
	}
}

func TestCorrectionIsNamed(t *testing.T) {
	s := measured("availability", 0.1)
	s.Excluded = slo.Counts{Errors: 1200, Total: 6000}
	s.ExcludedBy = []string{"correction 3 (failover test)"}
	r := Decide(Input{Policy: defaultPolicy(), Priority: normal, SLOs: []slo.Status{s}, Now: now})
	if r.Decision != slo.Allow || len(r.Reasons) != 1 || r.Reasons[0].Code != slo.CodeCorrection ||
		r.Reasons[0].Message != "1200 bad of 6000 events in the 30d window are excluded by correction 3 (failover test) and not counted" {
		t.Fatalf("correction reason: %+v", r)
	}
}
