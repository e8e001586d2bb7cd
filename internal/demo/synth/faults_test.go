package synth

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestResetAndGapGolden worked by hand: 1 rps of code 200 from 0 to 300s,
// sampled every 60s; the pod restarts at 150s and scrapes fail in
// [180s, 240s). At 240s the counter holds what came since the restart:
// 90. The 500 and 404 series stay at 0 but are reset and gapped alike.
func TestResetAndGapGolden(t *testing.T) {
	s := Scenario{
		Service: "r",
		Start:   time.Unix(0, 0),
		End:     time.Unix(300, 0),
		Default: Traffic{RPS: 1},
		Resets:  []time.Time{time.Unix(150, 0)},
		Gaps:    []Span{{From: time.Unix(180, 0), To: time.Unix(240, 0)}},
	}
	var b bytes.Buffer
	if err := WriteOpenMetrics(&b, s); err != nil {
		t.Fatal(err)
	}
	want := `http_requests_total{service="r",code="200"} 0 0
http_requests_total{service="r",code="200"} 60 60
http_requests_total{service="r",code="200"} 120 120
http_requests_total{service="r",code="200"} 90 240
http_requests_total{service="r",code="200"} 150 300
`
	got := strings.Join(strings.SplitAfter(b.String(), "\n")[1:6], "")
	if got != want {
		t.Errorf("code 200 series:\n%s\nwant:\n%s\nwhole output:\n%s", got, want, b.String())
	}
}

// faultScenario has everything at once, with edges that line up with
// nothing: 1m samples until 1h07s, then 15s; resets at 40m13s (coarse
// part), 1h31m02s and exactly on the 15s sample at 1h45m; a gap over
// [1h10m05s, 1h30m05s); a busy segment across the gap and one reset.
func faultScenario() Scenario {
	return Scenario{
		Service: "faults",
		Start:   at(0),
		End:     at(2 * time.Hour),
		Default: Traffic{RPS: 7.3, ErrorRatio: 0.01, ClientErrorRatio: 0.02, SlowRatio: 0.05},
		Segments: []Segment{
			{From: at(65 * time.Minute), To: at(95 * time.Minute), Traffic: Traffic{RPS: 30, ErrorRatio: 0.2, SlowRatio: 0.5}},
		},
		Latency: &Latency{Buckets: []float64{0.1, 0.3, 1}, Threshold: 0.3},
		Fine:    &Resolution{Since: at(time.Hour + 7*time.Second), Step: 15 * time.Second},
		// Out of order, one duplicate, one before Start (ignored).
		Resets: []time.Time{at(91*time.Minute + 2*time.Second), at(40*time.Minute + 13*time.Second),
			at(105 * time.Minute), at(-time.Hour), at(40*time.Minute + 13*time.Second)},
		Gaps: []Span{{From: at(70*time.Minute + 5*time.Second), To: at(90*time.Minute + 5*time.Second)}},
	}
}

func TestResolutionResetsAndGaps(t *testing.T) {
	s := faultScenario()
	var b bytes.Buffer
	if err := WriteOpenMetrics(&b, s); err != nil {
		t.Fatal(err)
	}
	got := parse(t, b.String())
	resets := []time.Time{at(40*time.Minute + 13*time.Second), at(91*time.Minute + 2*time.Second), at(105 * time.Minute)}
	gap := s.Gaps[0]
	// lastReset is the start of the counter's current life at t.
	lastReset := func(t time.Time) time.Time {
		from := s.Start
		for _, r := range resets {
			if !r.After(t) {
				from = r
			}
		}
		return from
	}
	fast := func(from, to time.Time) float64 { return s.Requests(from, to) - s.SlowRequests(from, to) }
	checks := []struct {
		key   string
		truth func(from, to time.Time) float64
	}{
		{RequestsMetric + `{service="faults",code="500"}`, s.Errors},
		{RequestsMetric + `{service="faults",code="404"}`, s.ClientErrors},
		{LatencyMetric + `_count{service="faults"}`, s.Requests},
		{LatencyMetric + `_bucket{service="faults",le="0.3"}`, fast},
	}
	for _, c := range checks {
		smps := got[c.key]
		if len(smps) == 0 {
			t.Fatalf("no series %s", c.key)
		}
		// Times: every minute up to 1h (the last multiple of 1m before
		// 1h07s), then every 15s from 1h15s (the first multiple of 15s at
		// or after 1h07s) to 2h, except inside the gap.
		var want []time.Time
		for d := time.Duration(0); d <= time.Hour; d += time.Minute {
			want = append(want, at(d))
		}
		for d := time.Hour + 15*time.Second; d <= 2*time.Hour; d += 15 * time.Second {
			if !gap.contains(at(d)) {
				want = append(want, at(d))
			}
		}
		// 61 coarse, 240 fine, of which 80 (70m15s .. 90m00s) in the gap.
		if len(want) != 61+240-80 {
			t.Fatalf("worked %d sample times, want 221: the test is wrong", len(want))
		}
		if len(smps) != len(want) {
			t.Fatalf("%s: %d samples, want %d", c.key, len(smps), len(want))
		}
		drops := 0
		for i, smp := range smps {
			if !smp.t.Equal(want[i]) {
				t.Fatalf("%s: sample %d at %v, want %v", c.key, i, smp.t.Sub(t0), want[i].Sub(t0))
			}
			if gap.contains(smp.t) {
				t.Errorf("%s: sample at %v inside the gap", c.key, smp.t.Sub(t0))
			}
			// The value counts from the last reset, which the gap does
			// not interrupt.
			if w := c.truth(lastReset(smp.t), smp.t); !near(smp.v, w) {
				t.Errorf("%s at %v: %v, want %v (events since %v)", c.key, smp.t.Sub(t0), smp.v, w, lastReset(smp.t).Sub(t0))
			}
			if i == 0 {
				continue
			}
			prev := smps[i-1]
			reset := false
			for _, r := range resets {
				reset = reset || (r.After(prev.t) && !r.After(smp.t))
			}
			switch {
			case reset && smp.v < prev.v:
				drops++
			case reset:
				t.Errorf("%s: no drop across the reset between %v (%v) and %v (%v)", c.key, prev.t.Sub(t0), prev.v, smp.t.Sub(t0), smp.v)
			case smp.v < prev.v:
				t.Errorf("%s: decreases without a reset between %v and %v", c.key, prev.t.Sub(t0), smp.t.Sub(t0))
			}
		}
		if drops != len(resets) {
			t.Errorf("%s: %d drops, want %d", c.key, drops, len(resets))
		}
	}
	// A sample exactly at a reset reads 0.
	for _, smp := range got[LatencyMetric+`_count{service="faults"}`] {
		if smp.t.Equal(resets[2]) && smp.v != 0 {
			t.Errorf("sample at the reset %v reads %v, want 0", smp.t.Sub(t0), smp.v)
		}
	}
	// The ground truth ignores resets and gaps: the same scenario without
	// them counts the same events.
	plain := s
	plain.Resets, plain.Gaps, plain.Fine = nil, nil, nil
	for _, w := range []Span{{at(0), at(2 * time.Hour)}, {at(69 * time.Minute), at(92 * time.Minute)}} {
		if a, b := s.Requests(w.From, w.To), plain.Requests(w.From, w.To); a != b || a == 0 {
			t.Errorf("requests over [%v, %v): %v with faults, %v without", w.From.Sub(t0), w.To.Sub(t0), a, b)
		}
	}
}

// TestFineResolutionBounds: a Fine.Since before Start samples finely
// throughout, one after End coarsely throughout.
func TestFineResolutionBounds(t *testing.T) {
	base := Scenario{Service: "f", Start: at(0), End: at(10 * time.Minute), Default: Traffic{RPS: 1}}
	for _, tc := range []struct {
		name  string
		since time.Duration
		want  int
	}{
		{"since before start", -time.Hour, 41}, // every 15s over 10m, both ends
		{"since after end", time.Hour, 11},     // every minute
		{"since at start", 0, 41},
		{"since in the middle", 5 * time.Minute, 5 + 21}, // 0..4m, then 5m..10m by 15s
	} {
		s := base
		s.Fine = &Resolution{Since: at(tc.since), Step: 15 * time.Second}
		n := 0
		last := time.Time{}
		s.sampleTimes(func(ts time.Time) {
			if !last.IsZero() && !ts.After(last) {
				t.Errorf("%s: sample %v after %v", tc.name, ts, last)
			}
			last = ts
			n++
		})
		if n != tc.want {
			t.Errorf("%s: %d samples, want %d", tc.name, n, tc.want)
		}
	}
}

func TestValidateFaults(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Scenario)
		want   string
	}{
		{"zero fine step", func(s *Scenario) { s.Fine = &Resolution{Since: at(0)} }, "fine step"},
		{"sub-second fine step", func(s *Scenario) { s.Fine = &Resolution{Since: at(0), Step: 2500 * time.Millisecond} }, "fine step"},
		{"empty gap", func(s *Scenario) { s.Gaps = []Span{{From: at(time.Minute), To: at(time.Minute)}} }, "gap 0"},
	} {
		s := faultScenario()
		tc.change(&s)
		if err := s.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to mention %q", tc.name, err, tc.want)
		}
	}
	if err := faultScenario().Validate(); err != nil {
		t.Errorf("valid scenario: %v", err)
	}
}
