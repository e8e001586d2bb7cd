package promtest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/slo-dev/slo/internal/demo/synth"
)

// TestPrometheusAgreesWithGroundTruth backfills 35 days for two services
// and checks that what slod's queries return, times the window, matches
// synth's exact counts within 1% for every MWMB window and the 30d SLO
// window.
func TestPrometheusAgreesWithGroundTruth(t *testing.T) {
	now := time.Now()
	base := synth.Traffic{RPS: 20, ErrorRatio: 0.0005, ClientErrorRatio: 0.01, SlowRatio: 0.01}
	x := synth.Scenario{
		Service: "x",
		Start:   now.Add(-35 * synth.Day),
		End:     now.Add(Lead),
		Default: base,
		Segments: []synth.Segment{
			// A bad period weeks ago: only the 30d window sees it.
			{From: now.Add(-20 * synth.Day), To: now.Add(-17 * synth.Day),
				Traffic: synth.Traffic{RPS: 20, ErrorRatio: 0.02, ClientErrorRatio: 0.01, SlowRatio: 0.05}},
			// Elevated load and errors until half a day ago: inside the 1d,
			// 3d and 30d windows, far from every window edge.
			{From: now.Add(-2 * synth.Day), To: now.Add(-12 * time.Hour),
				Traffic: synth.Traffic{RPS: 30, ErrorRatio: 0.005, SlowRatio: 0.02}},
		},
		Latency: &synth.Latency{Buckets: []float64{0.1, 0.3, 1, 2.5}, Threshold: 0.3},
	}
	// A second service shares the metric names; its series must not leak
	// into x's sums.
	y := synth.Scenario{
		Service:  "y",
		Start:    now.Add(-35 * synth.Day),
		End:      now.Add(Lead),
		Default:  synth.Traffic{RPS: 5, ErrorRatio: 0.1, JobsPerSecond: 2, JobFailureRatio: 0.03},
		WithJobs: true,
	}
	srv := Start(t, x, y)

	fast := func(from, to time.Time) float64 { return x.Requests(from, to) - x.SlowRequests(from, to) }
	checks := []struct {
		name  string
		expr  string // %s is the window
		truth func(from, to time.Time) float64
	}{
		// 4xx are 20x more frequent than 5xx here, so a code matcher that
		// let them in would be far off.
		{"x errors", `sum(rate(http_requests_total{service="x",code=~"5.."}[%s]))`, x.Errors},
		{"x requests", `sum(rate(http_requests_total{service="x"}[%s]))`, x.Requests},
		{"x within 0.3s", `sum(rate(http_request_duration_seconds_bucket{service="x",le="0.3"}[%s]))`, fast},
		{"x histogram count", `sum(rate(http_request_duration_seconds_count{service="x"}[%s]))`, x.Requests},
		{"y errors", `sum(rate(http_requests_total{service="y",code=~"5.."}[%s]))`, y.Errors},
		{"y failed jobs", `sum(rate(jobs_processed_total{service="y",status="failed"}[%s]))`, y.FailedJobs},
	}
	windows := []time.Duration{5 * time.Minute, time.Hour, 6 * time.Hour, synth.Day, 3 * synth.Day, 30 * synth.Day}

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	at := time.Now()
	for _, w := range windows {
		for _, c := range checks {
			expr := fmt.Sprintf(c.expr, model.Duration(w))
			rate, err := srv.Query(ctx, expr, at)
			if err != nil {
				t.Fatal(err)
			}
			got, want := rate*w.Seconds(), Increase(c.truth, at, w)
			rel := math.Abs(got-want) / want
			t.Logf("%-18s %4s: prometheus %14.3f, truth %14.3f, off by %.2e", c.name, model.Duration(w), got, want, rel)
			if !(rel < 0.01) {
				t.Errorf("%s over %s: prometheus says %.3f, ground truth is %.3f (%.2f%% off)", c.name, model.Duration(w), got, want, 100*rel)
			}
		}
	}

	// The latency SLI as slod computes it: good/total over the window.
	ratio, err := srv.Query(ctx, `sum(rate(http_request_duration_seconds_bucket{service="x",le="0.3"}[30d]))
		/ sum(rate(http_request_duration_seconds_count{service="x"}[30d]))`, at)
	if err != nil {
		t.Fatal(err)
	}
	w := 30 * synth.Day
	if want := Increase(fast, at, w) / Increase(x.Requests, at, w); math.Abs(ratio-want) > 0.01*(1-want) {
		t.Errorf("30d latency SLI = %.6f, want %.6f", ratio, want)
	}
}

// TestStopStartPause covers the fault-injection controls.
func TestStopStartPause(t *testing.T) {
	t.Parallel()
	now := time.Now()
	srv := Start(t, synth.Scenario{
		Service: "life",
		Start:   now.Add(-2 * time.Hour),
		End:     now.Add(Lead),
		Default: synth.Traffic{RPS: 10},
	})
	rate := func(ctx context.Context) (float64, error) {
		return srv.Query(ctx, `sum(rate(http_requests_total{service="life"}[5m]))`, time.Now())
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	wantRate := func(when string) {
		t.Helper()
		got, err := rate(ctx)
		if err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		if math.Abs(got-10) > 1e-6 {
			t.Fatalf("%s: rate %v, want 10", when, got)
		}
	}
	wantRate("after start")
	url := srv.URL

	srv.Stop()
	if _, err := rate(ctx); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("stopped: query error %v, want connection refused", err)
	}
	srv.Stop() // idempotent

	srv.Start()
	if srv.URL != url {
		t.Fatalf("restart moved the server from %s to %s", url, srv.URL)
	}
	wantRate("after restart")

	srv.Pause()
	short, cancelShort := context.WithTimeout(ctx, 300*time.Millisecond)
	_, err := rate(short)
	cancelShort()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("paused: query error %v, want a timeout", err)
	}
	srv.Resume()
	wantRate("after resume")

	// Stop must also end a paused server (the cleanup path).
	srv.Pause()
	srv.Stop()
	if resp, err := http.Get(url + "/-/ready"); err == nil {
		resp.Body.Close()
		t.Fatal("paused then stopped server still answers")
	}
}

// TestEmpty: without scenarios Prometheus runs with no series at all.
func TestEmpty(t *testing.T) {
	t.Parallel()
	srv := Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if v, err := srv.Query(ctx, "vector(1)", time.Now()); err != nil || v != 1 {
		t.Fatalf("vector(1) = %v, %v", v, err)
	}
	if _, err := srv.Query(ctx, `count({__name__!=""})`, time.Now()); err == nil || !strings.Contains(err.Error(), "0 samples") {
		t.Fatalf("series in an empty prometheus: error %v", err)
	}
}

// TestOpenMetricsFile serves a pre-written OpenMetrics file alone: the
// start-up check finds its samples at now, and its counter reads as
// written.
func TestOpenMetricsFile(t *testing.T) {
	t.Parallel()
	now := time.Now().Truncate(time.Minute)
	var b strings.Builder
	b.WriteString("# TYPE extra counter\n")
	for m := -60; m <= int(Lead/time.Minute); m++ {
		at := now.Add(time.Duration(m) * time.Minute)
		fmt.Fprintf(&b, "extra_total{k=\"v\"} %d %d\n", 120*(m+60), at.Unix())
	}
	b.WriteString("# EOF\n")
	file := filepath.Join(t.TempDir(), "extra.om")
	if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := StartWith(t, Options{OpenMetrics: file})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// 120 per minute is 2 per second.
	if v, err := srv.Query(ctx, `sum(rate(extra_total[10m]))`, now); err != nil || math.Abs(v-2) > 1e-9 {
		t.Fatalf("rate of the file's counter = %v, %v; want 2", v, err)
	}
}
