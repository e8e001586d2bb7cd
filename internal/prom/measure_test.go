package prom

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/burnrate"
	"github.com/slo-dev/slo/internal/slo"
)

const day = 24 * time.Hour

func eventsSLO() slo.SLO {
	return slo.SLO{
		Name:   "availability",
		Target: 0.999,
		Window: 30 * day,
		SLI: slo.SLI{Events: &slo.EventsSLI{
			Errors: `sum(rate(http_requests_total{service="checkout",code=~"5.."}[{{.window}}]))`,
			Total:  `sum(rate(http_requests_total{service="checkout"}[{{.window}}]))`,
		}},
	}
}

// answers maps a query to the value the fake returns as a string; a query
// mapped to "" gets an empty vector.
type answers map[string]string

// fakeFor serves answers and records every query and evaluation time.
func fakeFor(t *testing.T, a answers) (url string, seen func() (queries []string, times map[string]bool)) {
	t.Helper()
	var (
		mu      sync.Mutex
		queries []string
		times   = map[string]bool{}
	)
	srv := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		q := queryParam(t, r)
		mu.Lock()
		queries = append(queries, q)
		times[r.Form.Get("time")] = true
		mu.Unlock()
		v, ok := a[q]
		switch {
		case !ok:
			t.Errorf("unexpected query %s", q)
			writeAPIError(t, w, http.StatusBadRequest, "bad_data", "unexpected query")
		case v == "":
			writeVector(t, w)
		default:
			writeVector(t, w, v)
		}
	})
	return srv.URL, func() ([]string, map[string]bool) {
		mu.Lock()
		defer mu.Unlock()
		return queries, times
	}
}

// ranges lists the period range and every window label of o at at.
func ranges(o slo.SLO, period string) []string {
	out := []string{period}
	for _, d := range burnrate.Durations(burnrate.Windows(o.NominalWindow())) {
		out = append(out, burnrate.Label(d))
	}
	return out
}

func TestMeasureRolling(t *testing.T) {
	o := eventsSLO()
	a := answers{}
	rs := ranges(o, "2592000s")
	if want := []string{"2592000s", "5m", "30m", "1h", "2h", "6h", "1d", "3d"}; strings.Join(rs, ",") != strings.Join(want, ",") {
		t.Fatalf("ranges = %v, want %v", rs, want)
	}
	// Distinct rates per range catch counts filed under the wrong window:
	// range i has total 10*(i+1) and bad i/10 requests per second.
	for i, rng := range rs {
		bad, total := o.Queries(rng)
		a[bad] = promValue(float64(i) / 10)
		a[total] = promValue(10 * float64(i+1))
	}
	url, seen := fakeFor(t, a)
	s, _ := newTestSource(t, testConfig(url))
	at := time.Date(2026, 11, 27, 18, 0, 0, 0, time.UTC)
	m, err := s.Measure(context.Background(), o, at, alertWindows(o))
	if err != nil {
		t.Fatal(err)
	}
	queries, times := seen()
	if len(queries) != 2*len(rs) {
		t.Errorf("%d queries sent, want %d", len(queries), 2*len(rs))
	}
	if len(times) != 1 || !times[strconv.FormatInt(at.Unix(), 10)] {
		t.Errorf("evaluation times %v, want all at %d", times, at.Unix())
	}
	if !m.At.Equal(at) || m.PeriodLength != 30*day {
		t.Errorf("At %v, PeriodLength %v; want %v, 720h", m.At, m.PeriodLength, at)
	}
	// 30d = 2,592,000s: total 10/s -> 25,920,000; bad 0/s -> 0.
	if want := (slo.Counts{Errors: 0, Total: 25_920_000}); m.Period != want {
		t.Errorf("Period = %+v, want %+v", m.Period, want)
	}
	want := map[time.Duration]slo.Counts{
		5 * time.Minute:  {Errors: 0.1 * 300, Total: 20 * 300},
		30 * time.Minute: {Errors: 0.2 * 1800, Total: 30 * 1800},
		time.Hour:        {Errors: 0.3 * 3600, Total: 40 * 3600},
		2 * time.Hour:    {Errors: 0.4 * 7200, Total: 50 * 7200},
		6 * time.Hour:    {Errors: 0.5 * 21600, Total: 60 * 21600},
		day:              {Errors: 0.6 * 86400, Total: 70 * 86400},
		3 * day:          {Errors: 0.7 * 259200, Total: 80 * 259200},
	}
	if len(m.Windows) != len(want) {
		t.Errorf("%d windows, want %d: %v", len(m.Windows), len(want), m.Windows)
	}
	for d, w := range want {
		got, ok := m.Windows[d]
		if !ok || !approxEqual(got.Errors, w.Errors) || !approxEqual(got.Total, w.Total) {
			t.Errorf("window %s = %+v (present %v), want %+v", burnrate.Label(d), got, ok, w)
		}
	}
}

func approxEqual(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func TestMeasureMissingSeries(t *testing.T) {
	o := eventsSLO()
	tests := []struct {
		name       string
		bad, total string // "" is an empty vector
		want       slo.Counts
	}{
		{"errors absent is zero errors", "", "2", slo.Counts{Errors: 0, Total: 600}},
		{"total absent is no traffic", "1", "", slo.Counts{}},
		{"total zero is no traffic", "0", "0", slo.Counts{}},
		{"total NaN is no traffic", "NaN", "NaN", slo.Counts{}},
		{"tiny negative errors clamp to zero", "-1e-12", "2", slo.Counts{Errors: 0, Total: 600}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := answers{}
			for _, rng := range ranges(o, "2592000s") {
				bad, total := o.Queries(rng)
				a[bad], a[total] = "0", "1"
				if rng == "5m" {
					a[bad], a[total] = tt.bad, tt.total
				}
			}
			url, _ := fakeFor(t, a)
			s, _ := newTestSource(t, testConfig(url))
			m, err := s.Measure(context.Background(), o, time.Now(), alertWindows(o))
			if err != nil {
				t.Fatal(err)
			}
			if got := m.Windows[5*time.Minute]; got != tt.want {
				t.Errorf("5m = %+v, want %+v", got, tt.want)
			}
			if want := (slo.Counts{Total: 3600}); m.Windows[time.Hour] != want {
				t.Errorf("1h = %+v, want %+v (untouched by the 5m answer)", m.Windows[time.Hour], want)
			}
		})
	}
}

func TestMeasureCalendar(t *testing.T) {
	tests := []struct {
		name   string
		at     time.Time
		rng    string
		length time.Duration
	}{
		// 26 days and 20 hours into November.
		{"month so far", time.Date(2026, 11, 27, 20, 0, 0, 0, time.UTC), "2318400s", 2318400 * time.Second},
		// Fractions of a second are dropped, not rounded up.
		{"whole seconds", time.Date(2026, 11, 1, 1, 0, 0, 999_000_000, time.UTC), "3600s", time.Hour},
		// Ten seconds into the month the range is raised to a minute.
		{"at least a minute", time.Date(2026, 11, 1, 0, 0, 10, 0, time.UTC), "60s", time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := eventsSLO()
			o.Window, o.Calendar, o.Location = 0, "month", time.UTC
			a := answers{}
			for _, rng := range ranges(o, tt.rng) {
				bad, total := o.Queries(rng)
				a[bad], a[total] = "0.5", "100"
			}
			url, _ := fakeFor(t, a)
			s, _ := newTestSource(t, testConfig(url))
			m, err := s.Measure(context.Background(), o, tt.at, alertWindows(o))
			if err != nil {
				t.Fatal(err)
			}
			if m.PeriodLength != tt.length {
				t.Errorf("PeriodLength = %v, want %v", m.PeriodLength, tt.length)
			}
			secs := tt.length.Seconds()
			if want := (slo.Counts{Errors: 0.5 * secs, Total: 100 * secs}); m.Period != want {
				t.Errorf("Period = %+v, want %+v", m.Period, want)
			}
			// A calendar month uses the 30d windows.
			if len(m.Windows) != 7 {
				t.Errorf("%d windows, want 7", len(m.Windows))
			}
		})
	}
}

func TestMeasureGoodBased(t *testing.T) {
	o := eventsSLO()
	o.SLI.Events = &slo.EventsSLI{
		Good:  `sum(rate(jobs_total{status="ok"}[{{.window}}]))`,
		Total: `sum(rate(jobs_total[{{.window}}]))`,
	}
	tests := []struct {
		name string
		good string
		want float64 // errors per second; -1: a measurement error
	}{
		// 3 of 4 jobs per second succeed: 1 error per second.
		{"quarter failing", "3", 1},
		// good a rounding hair above total: zero errors, not negative.
		{"rounding", "4.00000000001", 0},
		// 0.5% above total (0.02/s of 4/s) is still within extrapolation.
		{"within extrapolation", "4.02", 0},
		// 5% above total: the queries select different series.
		{"good exceeds total", "4.2", -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := answers{}
			for _, rng := range ranges(o, "2592000s") {
				a[o.GoodQuery(rng)], a[`sum(rate(jobs_total[`+rng+`]))`] = tt.good, "4"
			}
			url, _ := fakeFor(t, a)
			s, _ := newTestSource(t, testConfig(url))
			m, err := s.Measure(context.Background(), o, time.Now(), alertWindows(o))
			if tt.want < 0 {
				if !errors.Is(err, ErrGoodExceedsTotal) {
					t.Fatalf("err = %v, want ErrGoodExceedsTotal", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := (slo.Counts{Errors: tt.want * 2592000, Total: 4 * 2592000}); m.Period != want {
				t.Errorf("Period = %+v, want %+v", m.Period, want)
			}
		})
	}
}

// A latency threshold that is no bucket bound finds no bucket series: that
// must be an error naming the bound, not a perfect SLI.
func TestMeasureLatencyWithoutMatchingBucket(t *testing.T) {
	o := eventsSLO()
	o.Window = 7 * day
	o.SLI = slo.SLI{Latency: &slo.LatencySLI{Metric: "http_request_duration_seconds", Selector: `{service="checkout"}`, Threshold: 250 * time.Millisecond}}
	a := answers{}
	for _, rng := range ranges(o, "604800s") {
		_, total := o.Queries(rng)
		a[o.GoodQuery(rng)], a[total] = "", "10"
	}
	url, _ := fakeFor(t, a)
	s, _ := newTestSource(t, testConfig(url))
	_, err := s.Measure(context.Background(), o, time.Now(), alertWindows(o))
	if !errors.Is(err, ErrNoGoodSeries) || !strings.Contains(err.Error(), "le=0.25") {
		t.Fatalf("err = %v, want ErrNoGoodSeries naming le=0.25", err)
	}
}

func TestMeasureFailure(t *testing.T) {
	o := eventsSLO()
	a := answers{}
	for _, rng := range ranges(o, "2592000s") {
		bad, total := o.Queries(rng)
		a[bad], a[total] = "0", "1"
	}
	var hits sync.Map
	srv := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		q := queryParam(t, r)
		hits.Store(q, true)
		if strings.Contains(q, "[1h]") && strings.Contains(q, "5..") {
			writeAPIError(t, w, http.StatusBadRequest, "bad_data", "pretend parse error")
			return
		}
		writeVector(t, w, a[q])
	})
	s, _ := newTestSource(t, testConfig(srv.URL))
	_, err := s.Measure(context.Background(), o, time.Now(), alertWindows(o))
	if !errors.Is(err, ErrBadQuery) {
		t.Fatalf("err = %v, want ErrBadQuery", err)
	}
	if !strings.Contains(err.Error(), "availability over 1h") {
		t.Errorf("err = %v, want it to name the SLO and the range", err)
	}
}

// alertWindows are the burn-rate windows the engine asks Measure for.
func alertWindows(o slo.SLO) []time.Duration {
	return burnrate.Durations(burnrate.Windows(o.NominalWindow()))
}
