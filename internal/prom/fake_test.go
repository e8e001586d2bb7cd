package prom

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// This file holds a fake Prometheus HTTP API (the /api/v1/query JSON
// envelope) and helpers shared by the unit tests.

// newFake serves h on a loopback port until the test ends, stamped.
func newFake(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(stamped(h))
	t.Cleanup(srv.Close)
	return srv
}

// stamped lets h answer for the time the query asked for, as Prometheus
// does: writeVector and stamp read it from the writer.
func stamped(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		at, _ := strconv.ParseFloat(r.Form.Get("time"), 64)
		h(stampWriter{ResponseWriter: w, at: at}, r)
	}
}

// stampWriter carries the evaluation time of one fake answer.
type stampWriter struct {
	http.ResponseWriter
	at float64 // Unix seconds; 0 when the query gave no time
}

// stamp is the evaluation time a fake answer carries: the query's time,
// or a fixed one when it gave none (Prometheus' now).
func stamp(w http.ResponseWriter) float64 {
	if sw, ok := w.(stampWriter); ok && sw.at != 0 {
		return sw.at
	}
	return 1700000000
}

// testConfig is fast: short timeouts and backoff so failures resolve in
// milliseconds.
func testConfig(url string) Config {
	return Config{
		URL:                url,
		QueryTimeout:       2 * time.Second,
		MaxRetries:         2,
		BackoffBase:        time.Millisecond,
		BackoffMax:         5 * time.Millisecond,
		BreakerFailures:    100,
		BreakerOpenTimeout: time.Minute,
	}
}

func newTestSource(t *testing.T, cfg Config) (*Source, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	s, err := New(cfg, reg, nil)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s, reg
}

// queryParam is the PromQL the client sent; client_golang POSTs a form.
func queryParam(t *testing.T, r *http.Request) string {
	t.Helper()
	if r.URL.Path != "/api/v1/query" {
		t.Errorf("path %q, want /api/v1/query", r.URL.Path)
	}
	if err := r.ParseForm(); err != nil {
		t.Errorf("parse form: %v", err)
	}
	return r.Form.Get("query")
}

// promValue renders a sample value the way Prometheus does: a string.
func promValue(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64)
}

func writeJSON(t *testing.T, w http.ResponseWriter, code int, body any) {
	t.Helper()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	if err := json.NewEncoder(w).Encode(body); err != nil {
		t.Errorf("write response: %v", err)
	}
}

// writeVector answers with one series per value (raw strings so that
// "NaN" and "+Inf" can be sent too).
func writeVector(t *testing.T, w http.ResponseWriter, values ...string) {
	t.Helper()
	result := []any{}
	for i, v := range values {
		result = append(result, map[string]any{
			"metric": map[string]string{"series": fmt.Sprint(i)},
			"value":  []any{stamp(w), v},
		})
	}
	writeJSON(t, w, http.StatusOK, map[string]any{
		"status": "success",
		"data":   map[string]any{"resultType": "vector", "result": result},
	})
}

func writeResult(t *testing.T, w http.ResponseWriter, resultType string, result any) {
	t.Helper()
	writeJSON(t, w, http.StatusOK, map[string]any{
		"status": "success",
		"data":   map[string]any{"resultType": resultType, "result": result},
	})
}

// writeAPIError answers like Prometheus does for a failed query.
func writeAPIError(t *testing.T, w http.ResponseWriter, code int, errorType, msg string) {
	t.Helper()
	writeJSON(t, w, code, map[string]any{"status": "error", "errorType": errorType, "error": msg})
}

// metricValue reads one sample from reg by name and (optional) label, so
// the tests check the metric names alert rules depend on.
func metricValue(t *testing.T, reg *prometheus.Registry, name, label, value string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if label != "" && !hasLabel(m.GetLabel(), label, value) {
				continue
			}
			switch {
			case m.Counter != nil:
				return m.GetCounter().GetValue()
			case m.Gauge != nil:
				return m.GetGauge().GetValue()
			case m.Histogram != nil:
				return float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	t.Fatalf("metric %s{%s=%q} not found", name, label, value)
	return 0
}

// wantMetric fails the test unless the sample metricValue reads is want.
func wantMetric(t *testing.T, reg *prometheus.Registry, name, label, value string, want float64) {
	t.Helper()
	if got := metricValue(t, reg, name, label, value); got != want {
		if label != "" {
			name += fmt.Sprintf("{%s=%q}", label, value)
		}
		t.Errorf("%s = %v, want %v", name, got, want)
	}
}

// metricAbsent reports whether reg exports no sample named name.
func metricAbsent(t *testing.T, reg *prometheus.Registry, name string) bool {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.GetMetric()) > 0 {
			return false
		}
	}
	return true
}

func hasLabel[L interface {
	GetName() string
	GetValue() string
}](labels []L, name, value string) bool {
	for _, l := range labels {
		if l.GetName() == name && l.GetValue() == value {
			return true
		}
	}
	return false
}
