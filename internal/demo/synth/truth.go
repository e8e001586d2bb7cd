package synth

import "time"

// The ground truth: exact event counts in [from, to), integrated from the
// segment definitions. Time outside [Start, End) contributes nothing.

// Requests is the number of HTTP requests in [from, to).
func (s Scenario) Requests(from, to time.Time) float64 {
	return s.integrate(from, to, func(t Traffic) float64 { return t.RPS })
}

// Errors is the number of server errors (code 500) in [from, to).
func (s Scenario) Errors(from, to time.Time) float64 {
	return s.integrate(from, to, func(t Traffic) float64 { return t.RPS * t.ErrorRatio })
}

// ClientErrors is the number of code 404 answers in [from, to).
func (s Scenario) ClientErrors(from, to time.Time) float64 {
	return s.integrate(from, to, func(t Traffic) float64 { return t.RPS * t.ClientErrorRatio })
}

// SlowRequests is the number of requests slower than Latency.Threshold in
// [from, to).
func (s Scenario) SlowRequests(from, to time.Time) float64 {
	return s.integrate(from, to, func(t Traffic) float64 { return t.RPS * t.SlowRatio })
}

// Jobs is the number of processed jobs in [from, to).
func (s Scenario) Jobs(from, to time.Time) float64 {
	return s.integrate(from, to, func(t Traffic) float64 { return t.JobsPerSecond })
}

// FailedJobs is the number of jobs with status="failed" in [from, to).
func (s Scenario) FailedJobs(from, to time.Time) float64 {
	return s.integrate(from, to, func(t Traffic) float64 { return t.JobsPerSecond * t.JobFailureRatio })
}

// integrate sums rate times the overlap of [from, to) with each piece of
// constant traffic.
func (s Scenario) integrate(from, to time.Time, rate func(Traffic) float64) float64 {
	var sum float64
	for _, p := range s.timeline() {
		lo, hi := p.from, p.to
		if from.After(lo) {
			lo = from
		}
		if to.Before(hi) {
			hi = to
		}
		if hi.After(lo) {
			sum += rate(p.Traffic) * hi.Sub(lo).Seconds()
		}
	}
	return sum
}
