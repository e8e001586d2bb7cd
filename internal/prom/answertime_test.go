package prom

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// TestAnswerForAnotherTime: an answer evaluated an hour before the time
// asked for (a caching proxy, a rewritten request) is an error, not
// numbers; one a latency offset away (VictoriaMetrics moves queries near
// now back 30s) is accepted.
func TestAnswerForAnotherTime(t *testing.T) {
	at := time.Date(2026, 11, 27, 18, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name    string
		off     time.Duration
		scalar  bool
		wantErr error
	}{
		{name: "exact", off: 0},
		{name: "latency offset", off: -30 * time.Second},
		{name: "an hour earlier", off: -time.Hour, wantErr: ErrWrongTime},
		{name: "a scalar an hour earlier", off: -time.Hour, scalar: true, wantErr: ErrWrongTime},
		{name: "two minutes later", off: 2 * time.Minute, wantErr: ErrWrongTime},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var hits atomic.Int32
			srv := newFake(t, func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				ts := float64(at.Add(tt.off).Unix())
				if tt.scalar {
					writeResult(t, w, "scalar", []any{ts, "1"})
					return
				}
				writeResult(t, w, "vector", []any{map[string]any{"metric": map[string]string{}, "value": []any{ts, "1"}}})
			})
			s, reg := newTestSource(t, testConfig(srv.URL))
			v, ok, err := s.Query(context.Background(), "sum(up)", at)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Query = %v, %v, %v; want error %v", v, ok, err, tt.wantErr)
			}
			if tt.wantErr == nil {
				if !ok || v != 1 {
					t.Errorf("Query = %v, %v; want 1, true", v, ok)
				}
				return
			}
			// A misbehaving proxy answers the same again: not retried.
			if n := hits.Load(); n != 1 {
				t.Errorf("%d attempts, want 1", n)
			}
			wantMetric(t, reg, "slod_prometheus_queries_total", "result", "error", 1)
			wantMetric(t, reg, "slod_prometheus_up", "", "", 0)
		})
	}
}

// TestAnswerWithoutTime: a query at Prometheus' now (zero time) has
// nothing to compare the answer's time with.
func TestAnswerWithoutTime(t *testing.T) {
	srv := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		if got := r.Form.Get("time"); got != "" {
			t.Errorf("time %q sent for a zero time", got)
		}
		writeResult(t, w, "scalar", []any{1700000000, "2"})
	})
	s, _ := newTestSource(t, testConfig(srv.URL))
	if v, ok, err := s.Query(context.Background(), "sum(up)", time.Time{}); err != nil || !ok || v != 2 {
		t.Errorf("Query = %v, %v, %v; want 2, true, nil", v, ok, err)
	}
}

func TestOnGrid(t *testing.T) {
	start := time.Unix(1_800_000_000, 0)
	r := v1.Range{Start: start, End: start.Add(time.Hour), Step: 5 * time.Minute}
	at := func(d time.Duration) model.SamplePair {
		return model.SamplePair{Timestamp: model.TimeFromUnixNano(start.Add(d).UnixNano())}
	}
	for _, c := range []struct {
		name string
		p    model.SamplePair
		ok   bool
	}{
		{"first step", at(0), true},
		{"last step", at(time.Hour), true},
		{"between steps", at(7 * time.Minute), false},
		{"an hour earlier", at(-time.Hour), false},
		{"after the end", at(time.Hour + 5*time.Minute), false},
	} {
		err := onGrid(model.Matrix{{Values: []model.SamplePair{at(5 * time.Minute), c.p}}}, r)
		if (err == nil) != c.ok || (err != nil && !errors.Is(err, ErrWrongTime)) {
			t.Errorf("%s: err = %v, want ok %v", c.name, err, c.ok)
		}
	}
}
