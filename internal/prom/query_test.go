package prom

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"
)

func TestQueryResults(t *testing.T) {
	tests := []struct {
		name    string
		respond func(t *testing.T, w http.ResponseWriter)
		want    float64
		wantOK  bool
		wantErr error
	}{
		{
			name:    "one sample",
			respond: func(t *testing.T, w http.ResponseWriter) { writeVector(t, w, "42.5") },
			want:    42.5, wantOK: true,
		},
		{
			name:    "zero is a value",
			respond: func(t *testing.T, w http.ResponseWriter) { writeVector(t, w, "0") },
			want:    0, wantOK: true,
		},
		{
			name:    "empty vector",
			respond: func(t *testing.T, w http.ResponseWriter) { writeVector(t, w) },
			wantOK:  false,
		},
		{
			name:    "scalar",
			respond: func(t *testing.T, w http.ResponseWriter) { writeResult(t, w, "scalar", []any{stamp(w), "3.25"}) },
			want:    3.25, wantOK: true,
		},
		{
			name:    "NaN from 0/0",
			respond: func(t *testing.T, w http.ResponseWriter) { writeVector(t, w, "NaN") },
			wantOK:  false,
		},
		{
			name:    "+Inf",
			respond: func(t *testing.T, w http.ResponseWriter) { writeVector(t, w, "+Inf") },
			wantOK:  false,
		},
		{
			name:    "NaN scalar",
			respond: func(t *testing.T, w http.ResponseWriter) { writeResult(t, w, "scalar", []any{stamp(w), "NaN"}) },
			wantOK:  false,
		},
		{
			name:    "several series",
			respond: func(t *testing.T, w http.ResponseWriter) { writeVector(t, w, "1", "2") },
			wantErr: ErrBadQuery,
		},
		{
			name: "matrix",
			respond: func(t *testing.T, w http.ResponseWriter) {
				writeResult(t, w, "matrix", []any{map[string]any{"metric": map[string]string{}, "values": []any{[]any{1700000000, "1"}}}})
			},
			wantErr: ErrBadQuery,
		},
	}
	at := time.Date(2026, 11, 27, 18, 0, 0, 0, time.UTC)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newFake(t, func(w http.ResponseWriter, r *http.Request) {
				if q := queryParam(t, r); q != "sum(up)" {
					t.Errorf("query %q, want sum(up)", q)
				}
				if got := r.Form.Get("time"); got != strconv.FormatInt(at.Unix(), 10) {
					t.Errorf("time %q, want %d", got, at.Unix())
				}
				tt.respond(t, w)
			})
			s, _ := newTestSource(t, testConfig(srv.URL))
			got, ok, err := s.Query(context.Background(), "sum(up)", at)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("Query = %v, %v; want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestQuerySendsServerTimeout(t *testing.T) {
	srv := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		queryParam(t, r)
		if got := r.Form.Get("timeout"); got != "2s" {
			t.Errorf("timeout param %q, want 2s (the query timeout)", got)
		}
		writeVector(t, w, "1")
	})
	s, _ := newTestSource(t, testConfig(srv.URL))
	if _, _, err := s.Query(context.Background(), "sum(up)", time.Now()); err != nil {
		t.Fatal(err)
	}
}

func TestQueryMetricsSuccess(t *testing.T) {
	srv := newFake(t, func(w http.ResponseWriter, r *http.Request) { writeVector(t, w, "1") })
	s, reg := newTestSource(t, testConfig(srv.URL))
	if !metricAbsent(t, reg, "slod_prometheus_up") {
		t.Error("slod_prometheus_up exported before any query, want it absent")
	}
	for range 3 {
		if _, _, err := s.Query(context.Background(), "sum(up)", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	wantMetric(t, reg, "slod_prometheus_queries_total", "result", "success", 3)
	wantMetric(t, reg, "slod_prometheus_queries_total", "result", "error", 0)
	wantMetric(t, reg, "slod_prometheus_query_duration_seconds", "", "", 3)
	wantMetric(t, reg, "slod_prometheus_up", "", "", 1)
	wantMetric(t, reg, "slod_circuit_breaker_state", "dependency", "prometheus", 0) // closed
	wantMetric(t, reg, "slod_bulkhead_in_flight", "bulkhead", "prometheus", 0)      // after the queries
}

func TestSecondSourceOnSameRegistry(t *testing.T) {
	srv := newFake(t, func(w http.ResponseWriter, r *http.Request) { writeVector(t, w, "1") })
	s1, reg := newTestSource(t, testConfig(srv.URL))
	s2, err := New(testConfig(srv.URL), reg, nil)
	if err != nil {
		t.Fatalf("second New on the same registry: %v", err)
	}
	for _, s := range []*Source{s1, s2} {
		if _, _, err := s.Query(context.Background(), "sum(up)", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	wantMetric(t, reg, "slod_prometheus_queries_total", "result", "success", 2) // shared counter
}

func TestServerTimeoutWholeSeconds(t *testing.T) {
	for _, tc := range []struct{ in, want time.Duration }{
		{1500 * time.Millisecond, 2 * time.Second},
		{10 * time.Second, 10 * time.Second},
		{200 * time.Millisecond, time.Second},
	} {
		if got := serverTimeout(tc.in); got != tc.want {
			t.Errorf("serverTimeout(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
