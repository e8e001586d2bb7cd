package engine

import (
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/ledger"
	"github.com/slo-dev/slo/internal/slo"
)

func TestAttribute(t *testing.T) {
	d := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	l := ledger.New(d.Add(-2 * time.Hour))
	// 1 bad in 1,000 per 5 minutes before d (burn 1 at 99.9%), 5 in
	// 1,000 after it (burn 5).
	for at := d.Add(-time.Hour); at.Before(d.Add(time.Hour)); at = at.Add(ledger.Fine) {
		bad := 1.0
		if !at.Before(d) {
			bad = 5
		}
		if err := l.Put(ledger.Bucket{Start: at, Step: ledger.Fine, Bad: bad, Total: 1000, State: ledger.Known, Series: true}); err != nil {
			t.Fatal(err)
		}
	}
	tail := ledger.Tail{From: d.Add(time.Hour), To: d.Add(time.Hour)}
	o := slo.SLO{Name: "availability", Slug: "availability", Target: 0.999, Window: 30 * 24 * time.Hour}
	p := slo.Policy{SuspectBurnMultiple: 2}
	dep := slo.Deployment{Version: "v2", At: d}

	a := attribute(o, p, l, tail, nil, dep)
	h := a.Spans[0]
	if !a.Suspect || h.Elapsed != time.Hour || h.Before.Errors != 12 || h.After.Errors != 60 || h.After.Total != 12000 {
		t.Fatalf("attribution %+v: want suspect, 12 bad before and 60 after", a)
	}
	if *h.BeforeBurn < 0.999 || *h.BeforeBurn > 1.001 || *h.AfterBurn < 4.999 || *h.AfterBurn > 5.001 {
		t.Fatalf("burns %v -> %v, want 1 -> 5", *h.BeforeBurn, *h.AfterBurn)
	}
	// Burn 5 for an hour of a 720h window: 5/720 of the budget.
	if got := h.AfterConsumed; got < 5.0/720-1e-9 || got > 5.0/720+1e-9 {
		t.Fatalf("after consumed %v, want %v", got, 5.0/720)
	}
	// Page over 1h/5m for 30d is 14.4x, over 6h/30m 6x: burn 5 fires
	// neither. Ticket over 3d/6h is 1x: both windows hold the ledger's
	// two hours, whose burn is above 1 from the first step after d.
	if a.Alert != "ticket" {
		t.Errorf("alert %q, want ticket", a.Alert)
	}

	// At a multiple of 6 a rise from 1x to 5x is not suspect.
	if a := attribute(o, slo.Policy{SuspectBurnMultiple: 6}, l, tail, nil, dep); a.Suspect {
		t.Errorf("suspect at 6x with a 5x rise")
	}
	// A correction over the hour after takes its events out: nothing left
	// to judge, nothing suspect.
	x, names := exclusions(slo.Spec{}, o, []slo.Correction{{ID: 4, Reason: "bad probe", From: d, To: d.Add(time.Hour)}}, d.Add(-time.Hour), d.Add(time.Hour))
	if len(names) != 1 || names[0] != "correction 4 (bad probe)" {
		t.Fatalf("exclusions named %v", names)
	}
	a = attribute(o, p, l, tail, x, dep)
	if a.Suspect || a.Spans[0].Excluded.Errors != 60 || a.Spans[0].After.Total != 0 {
		t.Fatalf("after the correction %+v: want 60 bad excluded and nothing suspect", a.Spans[0])
	}
	// Only five minutes in, a deploy can already be suspect.
	early := ledger.Tail{From: d.Add(5 * time.Minute), To: d.Add(5 * time.Minute)}
	if a := attribute(o, p, l, early, nil, dep); !a.Suspect || a.Spans[0].Elapsed != 5*time.Minute {
		t.Errorf("five minutes in: %+v", a)
	}
}
