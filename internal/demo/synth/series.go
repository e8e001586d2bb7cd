package synth

import (
	"strconv"
)

// Metric names as they appear in queries.
const (
	RequestsMetric = "http_requests_total"
	LatencyMetric  = "http_request_duration_seconds"
	JobsMetric     = "jobs_processed_total"
)

// Label values of the request and job counters.
const (
	CodeOK          = "200"
	CodeClientError = "404"
	CodeServerError = "500"
	StatusOK        = "ok"
	StatusFailed    = "failed"
)

// series is one sampled time series and the rate it grows at.
type series struct {
	// name is the sample name as written, suffix included.
	name string
	// labels are name/value pairs in output order.
	labels [][2]string
	// rate is the per-second increase under the given traffic.
	rate func(Traffic) float64
}

// family is an OpenMetrics metric family: one # TYPE line, then the series
// of every scenario that has it.
type family struct {
	name, typ string
	series    func(Scenario) []series
}

// families in output order.
var families = []family{
	{"http_requests", "counter", requestSeries},
	{LatencyMetric, "histogram", latencySeries},
	{"jobs_processed", "counter", jobSeries},
}

func requestSeries(s Scenario) []series {
	code := func(c string, rate func(Traffic) float64) series {
		return series{RequestsMetric, [][2]string{{"service", s.Service}, {"code", c}}, rate}
	}
	return []series{
		code(CodeOK, func(t Traffic) float64 { return t.RPS * (1 - t.ErrorRatio - t.ClientErrorRatio) }),
		code(CodeClientError, func(t Traffic) float64 { return t.RPS * t.ClientErrorRatio }),
		code(CodeServerError, func(t Traffic) float64 { return t.RPS * t.ErrorRatio }),
	}
}

func jobSeries(s Scenario) []series {
	if !s.WithJobs {
		return nil
	}
	status := func(st string, rate func(Traffic) float64) series {
		return series{JobsMetric, [][2]string{{"service", s.Service}, {"status", st}}, rate}
	}
	return []series{
		status(StatusOK, func(t Traffic) float64 { return t.JobsPerSecond * (1 - t.JobFailureRatio) }),
		status(StatusFailed, func(t Traffic) float64 { return t.JobsPerSecond * t.JobFailureRatio }),
	}
}

// latencySeries spreads requests over the buckets so that exactly
// SlowRatio of them lie above the threshold: the fast ones evenly over the
// k intervals up to the threshold, the slow ones evenly over the m
// intervals above it (the last being (largest bound, +Inf)). Each request
// is observed at its interval's upper bound, or at twice the largest bound
// in the +Inf interval, which defines _sum.
func latencySeries(s Scenario) []series {
	l := s.Latency
	if l == nil {
		return nil
	}
	n := len(l.Buckets)
	k := 0
	for k < n && l.Buckets[k] <= l.Threshold {
		k++
	}
	m := n - k + 1
	fast := func(t Traffic) float64 { return t.RPS * (1 - t.SlowRatio) }
	slow := func(t Traffic) float64 { return t.RPS * t.SlowRatio }
	var fastSum, slowSum float64 // observed seconds per fast (slow) request, times k (m)
	for i, b := range l.Buckets {
		if i < k {
			fastSum += b
		} else {
			slowSum += b
		}
	}
	slowSum += 2 * l.Buckets[n-1]

	bucket := func(le string, rate func(Traffic) float64) series {
		return series{LatencyMetric + "_bucket", [][2]string{{"service", s.Service}, {"le", le}}, rate}
	}
	var out []series
	for i, b := range l.Buckets {
		// i/k and j/m are at most 1, so buckets never decrease, and the
		// threshold bucket is exactly fast (fast*1.0).
		var rate func(Traffic) float64
		if i < k {
			share := float64(i+1) / float64(k)
			rate = func(t Traffic) float64 { return fast(t) * share }
		} else {
			share := float64(i+1-k) / float64(m)
			rate = func(t Traffic) float64 { return fast(t) + slow(t)*share }
		}
		out = append(out, bucket(FormatLe(b), rate))
	}
	// +Inf and _count use the same sum so that they agree exactly.
	total := func(t Traffic) float64 { return fast(t) + slow(t) }
	self := [][2]string{{"service", s.Service}}
	return append(out,
		bucket("+Inf", total),
		series{LatencyMetric + "_count", self, total},
		series{LatencyMetric + "_sum", self, func(t Traffic) float64 {
			return fast(t)*fastSum/float64(k) + slow(t)*slowSum/float64(m)
		}},
	)
}

// FormatLe writes a bucket bound the way client_golang's text format does
// and Prometheus 2.x keeps it: shortest representation, no forced ".0"
// ("0.3", "1", "2.5"). Prometheus 3 normalises integral bounds to "1.0" on
// ingestion, so le="1" matchers are version-dependent; "0.3" is not.
func FormatLe(seconds float64) string {
	return strconv.FormatFloat(seconds, 'g', -1, 64)
}
