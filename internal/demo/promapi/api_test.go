package promapi

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"

	"github.com/slo-dev/slo/internal/demo/synth"
	"github.com/slo-dev/slo/internal/prom"
)

// t0 is a multiple of 5m, so a scenario may be cut there (see Backfill).
var t0 = time.Unix(1_800_000_000, 0).UTC()

func at(d time.Duration) time.Time { return t0.Add(d) }

// twoHours: 10 rps at 10% errors and 20% slow over [0, 2h), except 20 rps
// at 50% errors in [60m, 90m); jobs at 2/s, a quarter failing.
func twoHours() synth.Scenario {
	return synth.Scenario{
		Service: "svc",
		Start:   at(0),
		End:     at(2 * time.Hour),
		Default: synth.Traffic{RPS: 10, ErrorRatio: 0.1, ClientErrorRatio: 0.05, SlowRatio: 0.2,
			JobsPerSecond: 2, JobFailureRatio: 0.25},
		Segments: []synth.Segment{{From: at(60 * time.Minute), To: at(90 * time.Minute),
			Traffic: synth.Traffic{RPS: 20, ErrorRatio: 0.5}}},
		Latency:  &synth.Latency{Buckets: []float64{0.1, 0.5, 1}, Threshold: 0.5},
		WithJobs: true,
	}
}

// serve backfills scenarios and serves them on a loopback port; it returns
// a client_golang v1 API for it and the base URL.
func serve(t *testing.T, scenarios ...synth.Scenario) (v1.API, string) {
	t.Helper()
	src, err := Open(context.Background(), t.TempDir(), scenarios, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	srv := httptest.NewServer(src.Handler())
	t.Cleanup(func() {
		srv.Close()
		if err := src.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	client, err := api.NewClient(api.Config{Address: srv.URL})
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	return v1.NewAPI(client), srv.URL
}

// scalarOf runs q at ts and returns its single value.
func scalarOf(t *testing.T, a v1.API, q string, ts time.Time) float64 {
	t.Helper()
	v, _, _, err := a.Query(context.Background(), q, ts)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	switch v := v.(type) {
	case model.Vector:
		if len(v) != 1 {
			t.Fatalf("%s: want one sample, got %v", q, v)
		}
		return float64(v[0].Value)
	case *model.Scalar:
		return float64(v.Value)
	}
	t.Fatalf("%s: unexpected %s result %v", q, v.Type(), v)
	return 0
}

func near(got, want, rel float64) bool {
	return math.Abs(got-want) <= rel*math.Max(math.Abs(want), 1e-12)
}

func TestQueryMatchesGroundTruth(t *testing.T) {
	s := twoHours()
	a, _ := serve(t, s)
	end := at(2 * time.Hour)
	// rate over [T-w, T] sees the samples from T-w+1m to T; scaled to w,
	// errors and totals are scaled alike, so ratios are exact over the
	// sampled span.
	sampled := at(61 * time.Minute)
	for _, tc := range []struct {
		name, q string
		ts      time.Time
		want    float64
	}{
		// A counter's sample is the ground truth count since Start.
		{"errors counter", `http_requests_total{service="svc",code="500"}`, end, s.Errors(s.Start, end)},
		{"client errors counter", `http_requests_total{code="404"}`, at(75 * time.Minute), s.ClientErrors(s.Start, at(75*time.Minute))},
		{"all requests", `sum(http_requests_total{service="svc"})`, end, s.Requests(s.Start, end)},
		{"histogram count", `http_request_duration_seconds_count`, end, s.Requests(s.Start, end)},
		{"fast requests", `http_request_duration_seconds_bucket{le="0.5"}`, end,
			s.Requests(s.Start, end) - s.SlowRequests(s.Start, end)},
		{"failed jobs", `jobs_processed_total{status="failed"}`, end, s.FailedJobs(s.Start, end)},
		// [90m, 120m) is steady: 1 error/s.
		{"steady rate", `sum(rate(http_requests_total{code=~"5.."}[10m]))`, end, 1},
		{"ratio across a change",
			`sum(rate(http_requests_total{code=~"5.."}[1h])) / sum(rate(http_requests_total[1h]))`, end,
			s.Errors(sampled, end) / s.Requests(sampled, end)},
		{"scalar", `scalar(sum(http_requests_total{code="200"})) * 2`, end,
			2 * (s.Requests(s.Start, end) - s.Errors(s.Start, end) - s.ClientErrors(s.Start, end))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := scalarOf(t, a, tc.q, tc.ts); !near(got, tc.want, 1e-9) {
				t.Errorf("%s = %v, want %v", tc.q, got, tc.want)
			}
		})
	}
}

// A service cut into a coarse old part and a fine recent part must read
// like one uncut history.
func TestBackfillContinuesCountersAcrossParts(t *testing.T) {
	whole := twoHours()
	old, recent := whole, whole
	old.End, old.Step = at(time.Hour), 5*time.Minute
	recent.Start = at(time.Hour)
	a, _ := serve(t, old, recent)
	for _, ts := range []time.Time{at(55 * time.Minute), at(time.Hour), at(61 * time.Minute), at(2 * time.Hour)} {
		q := `http_requests_total{code="500"}`
		if got, want := scalarOf(t, a, q, ts), whole.Errors(whole.Start, ts); !near(got, want, 1e-9) {
			t.Errorf("%s at %s = %v, want %v", q, ts, got, want)
		}
	}
	// No counter reset at the cut: 10m of samples either side of it.
	q := `sum(resets(http_requests_total[20m])) + sum(resets(jobs_processed_total[20m]))`
	if got := scalarOf(t, a, q, at(70*time.Minute)); got != 0 {
		t.Errorf("%s = %v, want 0", q, got)
	}
}

func TestBackfillRefusesGapsAndMisalignedCuts(t *testing.T) {
	whole := twoHours()
	for _, tc := range []struct {
		name        string
		oldEnd, cut time.Duration
		want        string
	}{
		{"gap", 60 * time.Minute, 65 * time.Minute, "not where the previous one ended"},
		{"misaligned", 62 * time.Minute, 62 * time.Minute, "not on a multiple of its step"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old, recent := whole, whole
			old.End, old.Step = at(tc.oldEnd), 5*time.Minute
			recent.Start = at(tc.cut)
			_, err := Backfill(context.Background(), t.TempDir(), []synth.Scenario{old, recent}, slog.New(slog.DiscardHandler))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Backfill: got %v, want an error saying %q", err, tc.want)
			}
		})
	}
}

func TestQueryRange(t *testing.T) {
	s := twoHours()
	a, _ := serve(t, s)
	r := v1.Range{Start: at(90 * time.Minute), End: at(2 * time.Hour), Step: 10 * time.Minute}
	v, _, _, err := a.QueryRange(context.Background(), `http_requests_total{code="500"}`, r)
	if err != nil {
		t.Fatalf("QueryRange: %v", err)
	}
	m, ok := v.(model.Matrix)
	if !ok || len(m) != 1 || len(m[0].Values) != 4 {
		t.Fatalf("want one series of 4 points, got %v", v)
	}
	for i, p := range m[0].Values {
		ts := r.Start.Add(time.Duration(i) * r.Step)
		if !p.Timestamp.Time().Equal(ts) || !near(float64(p.Value), s.Errors(s.Start, ts), 1e-9) {
			t.Errorf("point %d = %v @%s, want %v @%s", i, p.Value, p.Timestamp.Time(), s.Errors(s.Start, ts), ts)
		}
	}
}

func TestQueryErrors(t *testing.T) {
	a, _ := serve(t, twoHours())
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		q    string
		opts []v1.Option
		typ  v1.ErrorType
		msg  string
	}{
		{"syntax", `sum(rate(http_requests_total[5m]`, nil, v1.ErrBadData, "unclosed left parenthesis"},
		{"range too short", `rate(http_requests_total[5x])`, nil, v1.ErrBadData, "invalid parameter"},
		{"many-to-many", `http_requests_total + on(service) http_requests_total`, nil, v1.ErrExec, "many-to-many"},
		// Prometheus durations have no unit below ms.
		{"unparsable timeout", `1`, []v1.Option{v1.WithTimeout(time.Nanosecond)}, v1.ErrBadData, `"timeout"`},
		// 72,000 subquery steps take far longer than 1ms. Prometheus
		// answers a timeout with 503, which client_golang reports as a
		// server error carrying the body.
		{"timeout", `count_over_time(sum(rate(http_requests_total[10m]))[2h:100ms])`,
			[]v1.Option{v1.WithTimeout(time.Millisecond)}, v1.ErrServer, `"errorType":"timeout"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, _, err := a.Query(ctx, tc.q, at(time.Hour), tc.opts...)
			var e *v1.Error
			if !errors.As(err, &e) {
				t.Fatalf("want a *v1.Error, got %v", err)
			}
			if e.Type != tc.typ || !strings.Contains(e.Msg+e.Detail, tc.msg) {
				t.Errorf("got %s %q (detail %q), want %s containing %q", e.Type, e.Msg, e.Detail, tc.typ, tc.msg)
			}
		})
	}
}

// Checks client_golang cannot see: the raw body and status of GET
// requests, bad parameters and the readiness probe.
func TestRawHTTP(t *testing.T) {
	_, base := serve(t, twoHours())
	get := func(path string, params url.Values) (int, string) {
		t.Helper()
		resp, err := http.Get(base + path + "?" + params.Encode())
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("read %s: %v", path, err)
		}
		return resp.StatusCode, string(body)
	}
	ts := "1800003600"
	for _, tc := range []struct {
		name, path string
		params     url.Values
		code       int
		body       string
	}{
		{"empty vector is []", "/api/v1/query", url.Values{"query": {`http_requests_total{service="none"}`}, "time": {ts}},
			200, `{"status":"success","data":{"resultType":"vector","result":[]}}`},
		{"sample format", "/api/v1/query", url.Values{"query": {`sum(jobs_processed_total)`}, "time": {"1800000120.5"}},
			200, `{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1800000120.5,"240"]}]}}`},
		{"bad time", "/api/v1/query", url.Values{"query": {"1"}, "time": {"yesterday"}},
			400, `{"status":"error","errorType":"bad_data","error":"invalid parameter \"time\": cannot parse \"yesterday\" to a valid timestamp"}`},
		{"range without step", "/api/v1/query_range", url.Values{"query": {"1"}, "start": {ts}, "end": {ts}},
			400, `"errorType":"bad_data"`},
		{"range too fine", "/api/v1/query_range", url.Values{"query": {"1"}, "start": {"0"}, "end": {ts}, "step": {"1"}},
			400, "exceeded maximum resolution"},
		{"ready", "/-/ready", nil, 200, "Ready"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := get(tc.path, tc.params)
			if code != tc.code || !strings.Contains(body, tc.body) {
				t.Errorf("got %d %s, want %d containing %s", code, body, tc.code, tc.body)
			}
		})
	}
}

// slod reads the retention from runtimeinfo; the demo source keeps all of
// its history, which Prometheus reports as an empty retention.
func TestRuntimeinfoSaysNoRetentionLimit(t *testing.T) {
	_, base := serve(t, twoHours())
	src, err := prom.New(prom.Config{URL: base}, prometheus.NewRegistry(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	d, limited, err := src.Retention(context.Background())
	if err != nil || limited {
		t.Errorf("Retention = %v, limited %v, err %v; want no limit and no error", d, limited, err)
	}
}
