// Package synth generates synthetic Prometheus counters with exact ground
// truth. A Scenario describes one service's traffic as piecewise-constant
// per-second rates; WriteOpenMetrics samples the resulting cumulative
// counters for backfilling, and the Scenario's methods (Requests, Errors,
// SlowRequests, ...) integrate the same rates analytically, so a test can
// compare what Prometheus reports with what really "happened". Sampling
// can be made realistic without touching the ground truth: a finer scrape
// interval for recent history (Fine), counter resets (Resets) and failed
// scrapes (Gaps).
//
// The package is pure: no clock, no I/O beyond the io.Writer it is given.
package synth

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// Day is a convenience for scenarios spanning weeks.
const Day = 24 * time.Hour

// DefaultStep is the sample interval when Scenario.Step is zero: a typical
// scrape interval.
const DefaultStep = time.Minute

// Traffic is a set of constant per-second rates.
type Traffic struct {
	// RPS is the number of HTTP requests per second.
	RPS float64
	// ErrorRatio is the share of requests answered with code 500.
	ErrorRatio float64
	// ClientErrorRatio is the share answered with code 404: counted in the
	// total but not a server error, so queries must tell 4xx from 5xx.
	ClientErrorRatio float64
	// SlowRatio is the share of requests slower than Latency.Threshold.
	SlowRatio float64
	// JobsPerSecond is the rate of processed background jobs.
	JobsPerSecond float64
	// JobFailureRatio is the share of jobs with status="failed".
	JobFailureRatio float64
}

// Segment replaces the scenario's default traffic over [From, To).
type Segment struct {
	From, To time.Time
	Traffic
}

// Latency adds the http_request_duration_seconds histogram.
type Latency struct {
	// Buckets are the finite upper bounds in seconds, strictly increasing;
	// the +Inf bucket is implied.
	Buckets []float64
	// Threshold is the bound that Traffic.SlowRatio refers to; it must be
	// one of Buckets.
	Threshold float64
}

// Scenario is the traffic of one service between Start and End. Before
// Start and after End the service does not exist: no events, no samples.
type Scenario struct {
	Service    string
	Start, End time.Time
	// Step is the sample interval (DefaultStep when zero), a whole number of
	// seconds. Samples fall on multiples of Step since the Unix epoch, like
	// an aligned scrape, so timestamps are whole seconds.
	Step time.Duration
	// Default applies wherever no segment does.
	Default Traffic
	// Segments override Default; where segments overlap, the one listed
	// last wins, so a short incident can be laid over a longer period.
	Segments []Segment
	// Latency, when set, adds the request-duration histogram.
	Latency *Latency
	// WithJobs adds the jobs_processed_total counters.
	WithJobs bool

	// Fine, when set, switches sampling to a finer (or any other) interval
	// from Fine.Since on: recent history at the scrape interval, older
	// history coarser, which keeps weeks of backfill small. Unset, Step
	// applies throughout.
	Fine *Resolution
	// Resets are instants at which every counter of the service restarts
	// from 0, as when its pod restarts. The events still happened, so the
	// ground truth ignores resets; PromQL's rate() treats a drop as a reset
	// and only loses what happened between the last sample before the
	// reset and the reset itself (less than one step). A sample falling
	// exactly on a reset reads 0. Resets outside (Start, End] do nothing.
	Resets []time.Time
	// Gaps are spans [From, To) without samples, as when scrapes fail; the
	// counters keep counting through them, so the ground truth ignores
	// gaps too, and the first sample after a gap holds everything counted
	// during it.
	Gaps []Span
}

// Resolution is the sample interval from Since on.
type Resolution struct {
	Since time.Time
	// Step is a whole number of seconds; samples fall on its multiples
	// since the Unix epoch, the first at or after Since.
	Step time.Duration
}

// Span is the time interval [From, To).
type Span struct {
	From, To time.Time
}

// contains reports whether t is in [From, To).
func (s Span) contains(t time.Time) bool { return !t.Before(s.From) && t.Before(s.To) }

// step returns the effective sample interval.
func (s Scenario) step() time.Duration {
	if s.Step == 0 {
		return DefaultStep
	}
	return s.Step
}

// Validate reports the first problem that would make the scenario's
// series or ground truth meaningless.
func (s Scenario) Validate() error {
	if s.Service == "" {
		return errors.New("scenario: empty service")
	}
	if !s.End.After(s.Start) {
		return fmt.Errorf("scenario %s: end %s is not after start %s", s.Service, s.End, s.Start)
	}
	if st := s.step(); st < time.Second || st%time.Second != 0 {
		return fmt.Errorf("scenario %s: step %s must be a positive whole number of seconds", s.Service, st)
	}
	if s.Fine != nil {
		if st := s.Fine.Step; st < time.Second || st%time.Second != 0 {
			return fmt.Errorf("scenario %s: fine step %s must be a positive whole number of seconds", s.Service, st)
		}
	}
	for i, g := range s.Gaps {
		if !g.To.After(g.From) {
			return fmt.Errorf("scenario %s: gap %d: to %s is not after from %s", s.Service, i, g.To, g.From)
		}
	}
	if err := s.Default.validate(); err != nil {
		return fmt.Errorf("scenario %s: default traffic: %w", s.Service, err)
	}
	for i, seg := range s.Segments {
		if !seg.To.After(seg.From) {
			return fmt.Errorf("scenario %s: segment %d: to %s is not after from %s", s.Service, i, seg.To, seg.From)
		}
		if err := seg.Traffic.validate(); err != nil {
			return fmt.Errorf("scenario %s: segment %d: %w", s.Service, i, err)
		}
	}
	if s.Latency != nil {
		if err := s.Latency.validate(); err != nil {
			return fmt.Errorf("scenario %s: latency: %w", s.Service, err)
		}
	}
	return nil
}

func (t Traffic) validate() error {
	for _, f := range []struct {
		name string
		v    float64
	}{{"RPS", t.RPS}, {"JobsPerSecond", t.JobsPerSecond}} {
		if f.v < 0 || math.IsNaN(f.v) || math.IsInf(f.v, 0) {
			return fmt.Errorf("%s %v must be a finite number >= 0", f.name, f.v)
		}
	}
	for _, f := range []struct {
		name string
		v    float64
	}{
		{"ErrorRatio", t.ErrorRatio}, {"ClientErrorRatio", t.ClientErrorRatio},
		{"SlowRatio", t.SlowRatio}, {"JobFailureRatio", t.JobFailureRatio},
	} {
		if !(f.v >= 0 && f.v <= 1) {
			return fmt.Errorf("%s %v must be within [0, 1]", f.name, f.v)
		}
	}
	if t.ErrorRatio+t.ClientErrorRatio > 1 {
		return fmt.Errorf("ErrorRatio %v + ClientErrorRatio %v exceed 1", t.ErrorRatio, t.ClientErrorRatio)
	}
	return nil
}

func (l Latency) validate() error {
	if len(l.Buckets) == 0 {
		return errors.New("no buckets")
	}
	for i, b := range l.Buckets {
		if !(b > 0) || math.IsInf(b, 0) {
			return fmt.Errorf("bucket %v must be a finite number > 0", b)
		}
		if i > 0 && b <= l.Buckets[i-1] {
			return fmt.Errorf("buckets must increase: %v after %v", b, l.Buckets[i-1])
		}
	}
	if !slices.Contains(l.Buckets, l.Threshold) {
		return fmt.Errorf("threshold %v is not one of the buckets %v", l.Threshold, l.Buckets)
	}
	return nil
}

// piece is a maximal interval [from, to) of constant traffic.
type piece struct {
	from, to time.Time
	Traffic
}

// timeline resolves defaults and overlapping segments into consecutive
// pieces covering [Start, End) exactly. Both the ground truth and the
// sampler integrate over it.
func (s Scenario) timeline() []piece {
	cuts := []time.Time{s.Start, s.End}
	for _, seg := range s.Segments {
		for _, t := range []time.Time{seg.From, seg.To} {
			if t.After(s.Start) && t.Before(s.End) {
				cuts = append(cuts, t)
			}
		}
	}
	slices.SortFunc(cuts, time.Time.Compare)
	cuts = slices.CompactFunc(cuts, time.Time.Equal)
	pieces := make([]piece, 0, len(cuts)-1)
	for i := 0; i+1 < len(cuts); i++ {
		pieces = append(pieces, piece{from: cuts[i], to: cuts[i+1], Traffic: s.trafficAt(cuts[i])})
	}
	return pieces
}

// trafficAt is the traffic in effect at t (inside [Start, End)).
func (s Scenario) trafficAt(t time.Time) Traffic {
	for i := len(s.Segments) - 1; i >= 0; i-- {
		seg := s.Segments[i]
		if !t.Before(seg.From) && t.Before(seg.To) {
			return seg.Traffic
		}
	}
	return s.Default
}
