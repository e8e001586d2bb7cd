package synth

import (
	"math"
	"strings"
	"testing"
	"time"
)

var t0 = time.Unix(1_800_000_000, 0).UTC()

func at(d time.Duration) time.Time { return t0.Add(d) }

// handScenario: 10 rps at 10% errors, except 20 rps at 50% errors in
// [2m, 5m), overlaid by an outage (0 rps) in [4m, 6m). Resolved:
//
//	[0m, 2m)  10 rps, 1 error/s
//	[2m, 4m)  20 rps, 10 errors/s
//	[4m, 6m)  0
//	[6m, 10m) 10 rps, 1 error/s
func handScenario() Scenario {
	return Scenario{
		Service: "hand",
		Start:   at(0),
		End:     at(10 * time.Minute),
		Default: Traffic{RPS: 10, ErrorRatio: 0.1, SlowRatio: 0.2, JobsPerSecond: 2, JobFailureRatio: 0.25},
		Segments: []Segment{
			{From: at(2 * time.Minute), To: at(5 * time.Minute), Traffic: Traffic{RPS: 20, ErrorRatio: 0.5, ClientErrorRatio: 0.25}},
			{From: at(4 * time.Minute), To: at(6 * time.Minute), Traffic: Traffic{}},
		},
	}
}

func TestGroundTruthByHand(t *testing.T) {
	s := handScenario()
	m := time.Minute
	for _, tc := range []struct {
		name     string
		f        func(from, to time.Time) float64
		from, to time.Duration
		want     float64
	}{
		// 120s*10 + 120s*20 + 0 + 240s*10
		{"requests all", s.Requests, 0, 10 * m, 6000},
		// 120s*1 + 120s*10 + 0 + 240s*1
		{"errors all", s.Errors, 0, 10 * m, 1560},
		// 60s*20 + 120s*0 + 60s*10
		{"requests across outage", s.Requests, 3 * m, 7 * m, 1800},
		// 60s*10 + 0 + 60s*1
		{"errors across outage", s.Errors, 3 * m, 7 * m, 660},
		// only the segment has 4xx: 120s * 20 * 0.25
		{"client errors", s.ClientErrors, 0, 10 * m, 600},
		// segments have SlowRatio 0: 360s * 10 * 0.2
		{"slow", s.SlowRequests, 0, 10 * m, 720},
		// segments have no jobs: 360s * 2
		{"jobs", s.Jobs, 0, 10 * m, 720},
		{"failed jobs", s.FailedJobs, 0, 10 * m, 180},
		// before Start nothing happens: only [0, 1m) counts
		{"clipped at start", s.Requests, -5 * m, 1 * m, 600},
		// after End nothing happens: only [9m, 10m) counts
		{"clipped at end", s.Requests, 9 * m, 20 * m, 600},
		{"empty interval", s.Requests, 3 * m, 3 * m, 0},
		{"reversed interval", s.Requests, 5 * m, 3 * m, 0},
		{"inside one piece", s.Errors, 30 * time.Second, 90 * time.Second, 60},
	} {
		if got := tc.f(at(tc.from), at(tc.to)); !near(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestTimelineClipsSegmentsToScenario(t *testing.T) {
	s := Scenario{
		Service:  "clip",
		Start:    at(0),
		End:      at(time.Hour),
		Default:  Traffic{RPS: 1},
		Segments: []Segment{{From: at(-time.Hour), To: at(time.Minute), Traffic: Traffic{RPS: 5}}},
	}
	got := s.timeline()
	if len(got) != 2 || !got[0].from.Equal(at(0)) || !got[0].to.Equal(at(time.Minute)) || got[0].RPS != 5 ||
		!got[1].to.Equal(at(time.Hour)) || got[1].RPS != 1 {
		t.Fatalf("timeline = %+v", got)
	}
	// 60s*5 + 3540s*1
	if r := s.Requests(at(-2*time.Hour), at(2*time.Hour)); !near(r, 3840) {
		t.Errorf("requests = %v, want 3840", r)
	}
}

func TestValidate(t *testing.T) {
	ok := handScenario()
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid scenario: %v", err)
	}
	for _, tc := range []struct {
		name   string
		change func(*Scenario)
		want   string
	}{
		{"no service", func(s *Scenario) { s.Service = "" }, "empty service"},
		{"end before start", func(s *Scenario) { s.End = s.Start }, "not after start"},
		{"sub-second step", func(s *Scenario) { s.Step = 1500 * time.Millisecond }, "whole number of seconds"},
		{"negative rps", func(s *Scenario) { s.Default.RPS = -1 }, "RPS -1"},
		{"ratio above 1", func(s *Scenario) { s.Segments[0].SlowRatio = 1.5 }, "segment 0: SlowRatio 1.5"},
		{"ratios sum above 1", func(s *Scenario) { s.Default.ClientErrorRatio = 0.95 }, "exceed 1"},
		{"empty segment", func(s *Scenario) { s.Segments[1].To = s.Segments[1].From }, "segment 1"},
		{"threshold not a bucket", func(s *Scenario) { s.Latency = &Latency{Buckets: []float64{0.1, 0.5}, Threshold: 0.3} }, "not one of the buckets"},
		{"buckets not increasing", func(s *Scenario) { s.Latency = &Latency{Buckets: []float64{0.5, 0.1}, Threshold: 0.5} }, "must increase"},
	} {
		s := handScenario()
		tc.change(&s)
		err := s.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to mention %q", tc.name, err, tc.want)
		}
	}
}

// near compares with a relative tolerance for float accumulation.
func near(got, want float64) bool {
	return math.Abs(got-want) <= 1e-9*math.Abs(want)+1e-9
}
