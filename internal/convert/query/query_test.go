package query

import (
	"testing"
	"time"
)

// The expected queries are written by hand: the rule the docs state
// (docs/migrating.md, "The counter rule") applied to each input.
func TestCounter(t *testing.T) {
	for in, want := range map[string]string{
		`http_requests_total{code="500"}`:                          `sum(rate(http_requests_total{code="500"}[{{.window}}]))`,
		`sum(http_requests_total{code="500"})`:                     `sum(rate(http_requests_total{code="500"}[{{.window}}]))`,
		`sum by (route) (a_total) + sum(b_total)`:                  `sum(sum by (route) (rate(a_total[{{.window}}])) + sum(rate(b_total[{{.window}}])))`,
		`sum(rate(x_total[{{.window}}]))`:                          `sum(rate(x_total[{{.window}}]))`,
		`sum(http_requests_total{service="checkout",code=~"5.."})`: `sum(rate(http_requests_total{service="checkout",code=~"5.."}[{{.window}}]))`,
	} {
		got, err := Counter(in)
		if err != nil || got != want {
			t.Errorf("Counter(%s) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{`rate(x[5m])`, `x{`, `42`} {
		if got, err := Counter(bad); err == nil {
			t.Errorf("Counter(%s) = %s, want an error", bad, got)
		}
	}
}

func TestRate(t *testing.T) {
	for in, want := range map[string]string{
		`sum(rate(http_requests_total{code="500"}[5m]))`:  `sum(rate(http_requests_total{code="500"}[{{.window}}]))`,
		`sum(increase(jobs_total[1h])) / 3600`:            `sum(rate(jobs_total[{{.window}}])) / 3600`,
		`sum(rate(a[2m])) - sum(rate( b {x="y"} [10m] ))`: `sum(rate(a[{{.window}}])) - sum(rate( b {x="y"}[{{.window}}] ))`,
		`sum(rate(x_total[{{.window}}]))`:                 `sum(rate(x_total[{{.window}}]))`,
	} {
		got, err := Rate(in)
		if err != nil || got != want {
			t.Errorf("Rate(%s) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{`sum(up)`, `avg_over_time(up[5m])`, `rate(x[5m:1m])`} {
		if got, err := Rate(bad); err == nil {
			t.Errorf("Rate(%s) = %s, want an error", bad, got)
		}
	}
}

func TestHistogram(t *testing.T) {
	for in, want := range map[string]Hist{
		`http_request_duration_seconds_bucket{job="api",le="0.5"}`:                       {Metric: "http_request_duration_seconds", Selector: `{job="api"}`, Le: "0.5"},
		`rpc_duration_milliseconds_count`:                                                {Metric: "rpc_duration_milliseconds"},
		`histogram_quantile(0.99, sum by (le) (rate(lat_seconds_bucket{a=~"b|c"}[5m])))`: {Metric: "lat_seconds", Selector: `{a=~"b|c"}`, Quantile: true},
	} {
		got, err := Histogram(in)
		if err != nil || got != want {
			t.Errorf("Histogram(%s) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	if _, err := Histogram(`a_bucket / b_count`); err == nil {
		t.Error("two selectors: want an error")
	}
	if u := (Hist{Metric: "rpc_duration_milliseconds"}).Unit(); u != time.Millisecond {
		t.Errorf("unit of *_milliseconds = %v", u)
	}
	if d := Threshold(0.3, time.Second); d != 300*time.Millisecond {
		t.Errorf("0.3s = %v, want 300ms", d)
	}
}

func TestBoolGauge(t *testing.T) {
	good, total, err := BoolGauge(`probe_success{job="blackbox"}`)
	if err != nil || good != `sum(avg_over_time(probe_success{job="blackbox"}[{{.window}}]))` || total != `count(avg_over_time(probe_success{job="blackbox"}[{{.window}}]))` {
		t.Errorf("BoolGauge = %s, %s, %v", good, total, err)
	}
	if _, _, err := BoolGauge(`sum(probe_success)`); err == nil {
		t.Error("an aggregation: want an error")
	}
}
