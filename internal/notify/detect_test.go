package notify

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/burnrate"
	"github.com/slo-dev/slo/internal/slo"
)

var t0 = time.Date(2026, 11, 3, 3, 0, 0, 0, time.UTC)

func decisionAt(min int, d slo.Decision) Observation {
	return Observation{Service: "checkout", At: t0.Add(time.Duration(min) * time.Minute), Decision: d}
}

// run feeds observations one by one and collects the events.
func run(obs []Observation, hold time.Duration) (State, []slo.Event) {
	var (
		s   State
		all []slo.Event
	)
	for _, o := range obs {
		var evs []slo.Event
		s, evs = Detect(s, o, hold)
		all = append(all, evs...)
	}
	return s, all
}

func TestDetectDecisionHold(t *testing.T) {
	hold := 5 * time.Minute
	cases := []struct {
		name string
		seq  []slo.Decision // one observation a minute
		want []string       // "from>to@minute of the change"
	}{
		{"first sight is a baseline", []slo.Decision{slo.Deny, slo.Deny}, nil},
		{"a change held for the hold", []slo.Decision{slo.Allow, slo.Deny, slo.Deny, slo.Deny, slo.Deny, slo.Deny, slo.Deny}, []string{"allow>deny@1"}},
		{"not yet held", []slo.Decision{slo.Allow, slo.Deny, slo.Deny, slo.Deny, slo.Deny, slo.Deny}, nil},
		{"flips back within the hold", []slo.Decision{slo.Allow, slo.Deny, slo.Deny, slo.Allow, slo.Allow, slo.Allow, slo.Allow, slo.Allow, slo.Allow}, nil},
		{"ten flaps settle into one event", []slo.Decision{slo.Allow, slo.Deny, slo.Allow, slo.Deny, slo.Allow, slo.Deny, slo.Allow, slo.Deny, slo.Allow, slo.Deny, slo.Allow,
			slo.Deny, slo.Deny, slo.Deny, slo.Deny, slo.Deny, slo.Deny}, []string{"allow>deny@11"}},
		{"deny then warn is one change to warn", []slo.Decision{slo.Allow, slo.Deny, slo.Deny, slo.Warn, slo.Warn, slo.Warn, slo.Warn, slo.Warn, slo.Warn}, []string{"allow>warn@3"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var obs []Observation
			for i, d := range c.seq {
				obs = append(obs, decisionAt(i, d))
			}
			_, evs := run(obs, hold)
			var got []string
			for _, e := range evs {
				var d struct {
					From, To  string
					ChangedAt time.Time `json:"changed_at"`
				}
				if err := json.Unmarshal(e.Details, &d); err != nil {
					t.Fatal(err)
				}
				got = append(got, d.From+">"+d.To+"@"+itoa(int(d.ChangedAt.Sub(t0)/time.Minute)))
				if e.Type != slo.EventDecisionChanged || e.Service != "checkout" {
					t.Errorf("event %+v", e)
				}
			}
			if len(got) != len(c.want) {
				t.Fatalf("events %v, want %v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Errorf("event %d: %s, want %s", i, got[i], c.want[i])
				}
			}
		})
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// The same change detected again from the same saved state has the same
// ID: a restart between detecting and saving repeats the event, and the
// outbox keeps it once.
func TestDetectStableIDs(t *testing.T) {
	obs := []Observation{decisionAt(0, slo.Allow), decisionAt(1, slo.Deny)}
	var prev State
	prev, _ = Detect(prev, obs[0], 0)
	_, a := Detect(prev, obs[1], 0)
	_, b := Detect(prev, obs[1], 0)
	if len(a) != 1 || len(b) != 1 || a[0].ID != b[0].ID {
		t.Fatalf("events %v and %v, want one with the same ID", a, b)
	}
	if a[0].Severity != slo.SeverityCritical {
		t.Errorf("a denial is %s, want critical", a[0].Severity)
	}
}

func sloObs(min int, consumed float64, page bool) Observation {
	return Observation{Service: "checkout", At: t0.Add(time.Duration(min) * time.Minute), SLOs: []SLOObservation{{
		Slug: "availability", Name: "availability", Judged: true, Consumed: consumed,
		Thresholds: []float64{1, 0.75, 0.5}, Firing: map[burnrate.Severity]bool{burnrate.SeverityPage: page},
	}}}
}

func TestDetectBudgetAndAlerts(t *testing.T) {
	obs := []Observation{
		sloObs(0, 0.40, false),
		sloObs(1, 0.55, false), // crosses 50%
		sloObs(2, 0.60, true),  // page starts
		sloObs(3, 0.80, true),  // crosses 75%
		sloObs(4, 1.20, false), // crosses 100%, page ends
		sloObs(5, 1.30, false),
	}
	// Not judged (Prometheus down): no "recovery" to 0.
	down := sloObs(6, 0, false)
	down.SLOs[0].Judged, down.SLOs[0].Expired = false, true
	obs = append(obs, down)
	_, evs := run(obs, time.Hour)
	want := []struct {
		typ slo.EventType
		sev slo.Severity
	}{
		{slo.EventBudgetThreshold, slo.SeverityInfo},
		{slo.EventAlertStarted, slo.SeverityCritical},
		{slo.EventBudgetThreshold, slo.SeverityWarning},
		{slo.EventBudgetThreshold, slo.SeverityCritical},
		{slo.EventAlertEnded, slo.SeverityInfo},
		{slo.EventDataStale, slo.SeverityCritical},
	}
	if len(evs) != len(want) {
		for _, e := range evs {
			t.Log(e.Type, e.Summary)
		}
		t.Fatalf("%d events, want %d", len(evs), len(want))
	}
	for i, w := range want {
		if evs[i].Type != w.typ || evs[i].Severity != w.sev {
			t.Errorf("event %d: %s %s (%s), want %s %s", i, evs[i].Type, evs[i].Severity, evs[i].Summary, w.typ, w.sev)
		}
	}
}

func TestDetectOverrideExpiry(t *testing.T) {
	o1 := slo.Override{ID: 1, Service: "checkout", ExpiresAt: t0.Add(30 * time.Minute)}
	o2 := slo.Override{ID: 2, Service: "checkout", ExpiresAt: t0.Add(2 * time.Hour)}
	s, _ := Detect(State{}, Observation{Service: "checkout", At: t0, Overrides: []slo.Override{o1, o2}}, 0)
	// At 31m: 1 expired, 2 was revoked (gone before its expiry).
	_, evs := Detect(s, Observation{Service: "checkout", At: t0.Add(31 * time.Minute)}, 0)
	if len(evs) != 1 || evs[0].Type != slo.EventOverrideExpired || evs[0].ID != OverrideEvent(slo.EventOverrideExpired, o1).ID {
		t.Fatalf("events %+v, want override 1 expired", evs)
	}
}

// A deploy seen while its verdict is ok and then suspect is one event,
// the same one if detected again from the same state; a verdict back to
// ok says nothing, and a deploy past its attribution is forgotten.
func TestDetectSuspectDeploy(t *testing.T) {
	d := slo.Deployment{ID: 7, Service: "checkout", Version: "v1.4.2", Actor: "ci", At: t0}
	attr := func(suspect bool) []slo.Attribution {
		return []slo.Attribution{{Deployment: d, Suspect: suspect, SLOs: []slo.SLOAttribution{{SLO: "availability", Suspect: suspect}, {SLO: "latency"}}}}
	}
	at := func(min int, deploys []slo.Attribution) Observation {
		return Observation{Service: "checkout", At: t0.Add(time.Duration(min) * time.Minute), Deploys: deploys}
	}
	s, evs := run([]Observation{at(1, attr(false))}, 0)
	if len(evs) != 0 {
		t.Fatalf("a new deploy: events %+v, want none", evs)
	}
	s2, evs := Detect(s, at(10, attr(true)), 0)
	if len(evs) != 1 || evs[0].Type != slo.EventSuspectDeploy || evs[0].Severity != slo.SeverityCritical ||
		evs[0].Summary != "checkout: deploy v1.4.2 (2026-11-03T03:00:00Z) is suspect: availability burn faster since it; consider a rollback" {
		t.Fatalf("turned suspect: events %+v, want one critical deploy.suspect naming v1.4.2 and availability", evs)
	}
	if _, again := Detect(s, at(10, attr(true)), 0); len(again) != 1 || again[0].ID != evs[0].ID {
		t.Errorf("detected again: %+v, want the same event id %s", again, evs[0].ID)
	}
	s3, evs := Detect(s2, at(20, attr(true)), 0)
	if len(evs) != 0 {
		t.Errorf("still suspect: events %+v, want none", evs)
	}
	if _, evs := Detect(s3, at(30, attr(false)), 0); len(evs) != 0 {
		t.Errorf("back to ok: events %+v, want none", evs)
	}
	if s4, _ := Detect(s3, at(3000, nil), 0); len(s4.Values) != 0 {
		t.Errorf("deploy gone: state %+v, want it forgotten", s4.Values)
	}
}
