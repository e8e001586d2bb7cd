package synth

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestWriteOpenMetricsGolden worked by hand. Samples at 1200, 1260, 1320,
// 1380. Default: 1 rps (25% 500, 25% 404, half slow), 0.5 jobs/s (half
// failed); [1260, 1320): 2 rps, half 500, none slow, no jobs.
// Histogram bounds 0.25, 0.5 (threshold), 2: k=2 intervals up to the
// threshold, m=2 above it. Per minute:
//
//	                default  segment
//	code 200        30       60
//	code 404        15       0
//	code 500        15       60
//	le 0.25 (f/2)   15       60
//	le 0.5  (f)     30       120
//	le 2  (f+s/2)   45       120
//	+Inf, _count    60       120
//	_sum            101.25   45    (fast at 0.375s avg, slow at (2+4)/2=3s avg)
//	jobs ok, failed 15, 15   0, 0
func TestWriteOpenMetricsGolden(t *testing.T) {
	s := Scenario{
		Service: "checkout",
		Start:   time.Unix(1200, 0),
		End:     time.Unix(1380, 0),
		Default: Traffic{RPS: 1, ErrorRatio: 0.25, ClientErrorRatio: 0.25, SlowRatio: 0.5, JobsPerSecond: 0.5, JobFailureRatio: 0.5},
		Segments: []Segment{
			{From: time.Unix(1260, 0), To: time.Unix(1320, 0), Traffic: Traffic{RPS: 2, ErrorRatio: 0.5}},
		},
		Latency:  &Latency{Buckets: []float64{0.25, 0.5, 2}, Threshold: 0.5},
		WithJobs: true,
	}
	want := `# TYPE http_requests counter
http_requests_total{service="checkout",code="200"} 0 1200
http_requests_total{service="checkout",code="200"} 30 1260
http_requests_total{service="checkout",code="200"} 90 1320
http_requests_total{service="checkout",code="200"} 120 1380
http_requests_total{service="checkout",code="404"} 0 1200
http_requests_total{service="checkout",code="404"} 15 1260
http_requests_total{service="checkout",code="404"} 15 1320
http_requests_total{service="checkout",code="404"} 30 1380
http_requests_total{service="checkout",code="500"} 0 1200
http_requests_total{service="checkout",code="500"} 15 1260
http_requests_total{service="checkout",code="500"} 75 1320
http_requests_total{service="checkout",code="500"} 90 1380
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{service="checkout",le="0.25"} 0 1200
http_request_duration_seconds_bucket{service="checkout",le="0.25"} 15 1260
http_request_duration_seconds_bucket{service="checkout",le="0.25"} 75 1320
http_request_duration_seconds_bucket{service="checkout",le="0.25"} 90 1380
http_request_duration_seconds_bucket{service="checkout",le="0.5"} 0 1200
http_request_duration_seconds_bucket{service="checkout",le="0.5"} 30 1260
http_request_duration_seconds_bucket{service="checkout",le="0.5"} 150 1320
http_request_duration_seconds_bucket{service="checkout",le="0.5"} 180 1380
http_request_duration_seconds_bucket{service="checkout",le="2"} 0 1200
http_request_duration_seconds_bucket{service="checkout",le="2"} 45 1260
http_request_duration_seconds_bucket{service="checkout",le="2"} 165 1320
http_request_duration_seconds_bucket{service="checkout",le="2"} 210 1380
http_request_duration_seconds_bucket{service="checkout",le="+Inf"} 0 1200
http_request_duration_seconds_bucket{service="checkout",le="+Inf"} 60 1260
http_request_duration_seconds_bucket{service="checkout",le="+Inf"} 180 1320
http_request_duration_seconds_bucket{service="checkout",le="+Inf"} 240 1380
http_request_duration_seconds_count{service="checkout"} 0 1200
http_request_duration_seconds_count{service="checkout"} 60 1260
http_request_duration_seconds_count{service="checkout"} 180 1320
http_request_duration_seconds_count{service="checkout"} 240 1380
http_request_duration_seconds_sum{service="checkout"} 0 1200
http_request_duration_seconds_sum{service="checkout"} 101.25 1260
http_request_duration_seconds_sum{service="checkout"} 146.25 1320
http_request_duration_seconds_sum{service="checkout"} 247.5 1380
# TYPE jobs_processed counter
jobs_processed_total{service="checkout",status="ok"} 0 1200
jobs_processed_total{service="checkout",status="ok"} 15 1260
jobs_processed_total{service="checkout",status="ok"} 15 1320
jobs_processed_total{service="checkout",status="ok"} 30 1380
jobs_processed_total{service="checkout",status="failed"} 0 1200
jobs_processed_total{service="checkout",status="failed"} 15 1260
jobs_processed_total{service="checkout",status="failed"} 15 1320
jobs_processed_total{service="checkout",status="failed"} 30 1380
# EOF
`
	var b bytes.Buffer
	if err := WriteOpenMetrics(&b, s); err != nil {
		t.Fatal(err)
	}
	if got := b.String(); got != want {
		t.Errorf("output differs.\n got:\n%s\nwant:\n%s", got, want)
	}
}

// TestSamplesMatchGroundTruth checks every sample of every series against
// the analytic integrals, for a scenario whose start, step and segment
// edges do not line up.
func TestSamplesMatchGroundTruth(t *testing.T) {
	s := Scenario{
		Service: "odd",
		Start:   at(17 * time.Second),
		End:     at(3 * time.Hour),
		Step:    45 * time.Second,
		Default: Traffic{RPS: 7.3, ErrorRatio: 0.01, ClientErrorRatio: 0.02, SlowRatio: 0.05, JobsPerSecond: 0.7, JobFailureRatio: 0.1},
		Segments: []Segment{
			{From: at(31*time.Minute + 13*time.Second), To: at(97*time.Minute + 1*time.Second),
				Traffic: Traffic{RPS: 12.1, ErrorRatio: 0.3, SlowRatio: 0.6, JobsPerSecond: 2, JobFailureRatio: 0.9}},
			{From: at(-time.Hour), To: at(10 * time.Minute), Traffic: Traffic{RPS: 0.5}},
			{From: at(150 * time.Minute), To: at(5 * time.Hour), Traffic: Traffic{RPS: 3, ErrorRatio: 1}},
		},
		Latency:  &Latency{Buckets: []float64{0.05, 0.1, 0.3, 1, 2.5}, Threshold: 0.3},
		WithJobs: true,
	}
	var b bytes.Buffer
	if err := WriteOpenMetrics(&b, s); err != nil {
		t.Fatal(err)
	}
	got := parse(t, b.String())

	series := func(name, labels string) []sample {
		key := name + "{service=\"odd\"" + labels + "}"
		if got[key] == nil {
			t.Fatalf("no series %s", key)
		}
		return got[key]
	}
	checks := []struct {
		name  string
		truth func(from, to time.Time) float64
		got   []sample
	}{
		{"500", s.Errors, series(RequestsMetric, `,code="500"`)},
		{"404", s.ClientErrors, series(RequestsMetric, `,code="404"`)},
		{"count", s.Requests, series(LatencyMetric+"_count", "")},
		{"+Inf", s.Requests, series(LatencyMetric+"_bucket", `,le="+Inf"`)},
		{"le=threshold", func(from, to time.Time) float64 { return s.Requests(from, to) - s.SlowRequests(from, to) },
			series(LatencyMetric+"_bucket", `,le="0.3"`)},
		{"failed jobs", s.FailedJobs, series(JobsMetric, `,status="failed"`)},
		{"ok jobs", func(from, to time.Time) float64 { return s.Jobs(from, to) - s.FailedJobs(from, to) },
			series(JobsMetric, `,status="ok"`)},
	}
	wantSamples := 240 // (3h - 17s) / 45s, rounded up: 45s .. 10800s
	for _, c := range checks {
		if len(c.got) != wantSamples {
			t.Errorf("%s: %d samples, want %d", c.name, len(c.got), wantSamples)
		}
		for i, smp := range c.got {
			if want := time.Duration(i+1) * 45 * time.Second; smp.t.Sub(t0) != want {
				t.Fatalf("%s: sample %d at %v after t0, want %v", c.name, i, smp.t.Sub(t0), want)
			}
			if want := c.truth(s.Start, smp.t); !near(smp.v, want) {
				t.Errorf("%s at %v: sampled %v, integral %v", c.name, smp.t.Sub(t0), smp.v, want)
			}
		}
	}
	// The three codes add up to all requests, and buckets never decrease.
	reqs := [3][]sample{series(RequestsMetric, `,code="200"`), series(RequestsMetric, `,code="404"`), series(RequestsMetric, `,code="500"`)}
	les := []string{"0.05", "0.1", "0.3", "1", "2.5", "+Inf"}
	for i, smp := range reqs[0] {
		if sum := smp.v + reqs[1][i].v + reqs[2][i].v; !near(sum, s.Requests(s.Start, smp.t)) {
			t.Errorf("codes at %v sum to %v, want %v", smp.t, sum, s.Requests(s.Start, smp.t))
		}
		for j := 1; j < len(les); j++ {
			lo, hi := series(LatencyMetric+"_bucket", `,le="`+les[j-1]+`"`)[i].v, series(LatencyMetric+"_bucket", `,le="`+les[j]+`"`)[i].v
			if lo > hi {
				t.Errorf("at %v bucket %s = %v > bucket %s = %v", smp.t, les[j-1], lo, les[j], hi)
			}
		}
	}
}

func TestWriteOpenMetricsSeveralServices(t *testing.T) {
	a := Scenario{Service: "a", Start: time.Unix(0, 0), End: time.Unix(60, 0), Default: Traffic{RPS: 1}}
	b := a
	b.Service = "b"
	var out bytes.Buffer
	if err := WriteOpenMetrics(&out, a, b); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	if n := strings.Count(text, "# TYPE http_requests counter\n"); n != 1 {
		t.Errorf("%d TYPE lines for http_requests, want 1 shared by both services", n)
	}
	// No histogram or jobs asked for: no TYPE lines for them either.
	if strings.Contains(text, "histogram") || strings.Contains(text, "jobs") {
		t.Errorf("unrequested families in output:\n%s", text)
	}
	if !strings.Contains(text, `{service="a",code="200"} 60 60`) || !strings.Contains(text, `{service="b",code="200"} 60 60`) {
		t.Errorf("missing a service:\n%s", text)
	}
	if err := WriteOpenMetrics(&out, a, a); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("duplicate service: error %v", err)
	}
	bad := a
	bad.End = bad.Start
	if err := WriteOpenMetrics(&out, bad); err == nil {
		t.Error("invalid scenario accepted")
	}
}

func TestWriteOpenMetricsEscapesLabels(t *testing.T) {
	s := Scenario{Service: "a\"b\\c\nd", Start: time.Unix(0, 0), End: time.Unix(1, 0)}
	var out bytes.Buffer
	if err := WriteOpenMetrics(&out, s); err != nil {
		t.Fatal(err)
	}
	if want := `http_requests_total{service="a\"b\\c\nd",code="200"} 0 0`; !strings.Contains(out.String(), want) {
		t.Errorf("want %s in:\n%s", want, out.String())
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteOpenMetricsReportsWriteErrors(t *testing.T) {
	s := Scenario{Service: "a", Start: time.Unix(0, 0), End: time.Unix(60, 0)}
	if err := WriteOpenMetrics(failingWriter{}, s); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("error %v, want disk full", err)
	}
}

type sample struct {
	t time.Time
	v float64
}

// parse reads WriteOpenMetrics output into samples by series.
func parse(t *testing.T, text string) map[string][]sample {
	t.Helper()
	out := map[string][]sample{}
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if strings.HasPrefix(line, "#") {
			continue
		}
		rest, ts, ok1 := cut(line)
		key, val, ok2 := cut(rest)
		v, err1 := strconv.ParseFloat(val, 64)
		sec, err2 := strconv.ParseInt(ts, 10, 64)
		if !ok1 || !ok2 || err1 != nil || err2 != nil {
			t.Fatalf("bad line %q", line)
		}
		out[key] = append(out[key], sample{time.Unix(sec, 0), v})
	}
	return out
}

// cut splits at the last space.
func cut(s string) (before, after string, ok bool) {
	i := strings.LastIndexByte(s, ' ')
	if i < 0 {
		return "", "", false
	}
	return s[:i], s[i+1:], true
}
