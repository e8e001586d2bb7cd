package prom

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// TestNewestPointsDropped: a backend that answers a range query at now
// without its newest point, even for the probe's vector(1), fails the
// batch with ErrNewestPointsDropped and says how to fix it, instead of
// returning empty series that read as no traffic. It is not retried and
// does not open the breaker, whose "circuit open" would hide why.
func TestNewestPointsDropped(t *testing.T) {
	at := time.Date(2026, 11, 27, 18, 0, 0, 0, time.UTC)
	stamp := float64(at.Unix())
	series := func(batch string, v string) map[string]any {
		return map[string]any{"metric": map[string]string{batchLabel: batch}, "values": []any{[]any{stamp, v}}}
	}
	for _, tt := range []struct {
		name string
		// answer is the fake's matrix for a request of the union of two
		// queries and the probe (batch labels 0, 1 and 2).
		answer  []any
		wantErr bool
	}{
		{name: "every point", answer: []any{series("0", "3"), series("2", "1")}},
		// The second query matches nothing: only the probe says the
		// backend answered for now.
		{name: "VictoriaMetrics' default: nothing", answer: []any{}, wantErr: true},
		{name: "the queries without the probe", answer: []any{series("0", "3"), series("1", "4")}, wantErr: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var hits atomic.Int32
			srv := newFake(t, func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				q := r.Form.Get("query")
				if r.URL.Path != "/api/v1/query_range" || !strings.Contains(q, `label_replace((`+probeQuery+"\n"+`), "`+batchLabel+`", "2"`) {
					t.Errorf("asked %s %q, want a range query with the probe as leg 2", r.URL.Path, q)
				}
				writeResult(t, w, "matrix", tt.answer)
			})
			cfg := testConfig(srv.URL)
			cfg.BreakerFailures = 2
			s, reg := newTestSource(t, cfg)
			for range 3 {
				got, err := s.QueryRanges(context.Background(), []string{"sum(rate(a[5m]))", "sum(rate(b[5m]))"}, at, at, time.Second)
				if !tt.wantErr {
					if err != nil || len(got) != 2 || len(got[0].Points) != 1 || got[0].Points[0].Value != 3 || len(got[1].Points) != 0 {
						t.Fatalf("QueryRanges = %+v, %v; want 3 and no points", got, err)
					}
					continue
				}
				if !errors.Is(err, ErrNewestPointsDropped) || !strings.Contains(err.Error(), "-search.maxStepForPointsAdjustment=1ms") ||
					!strings.Contains(err.Error(), "2026-11-27T18:00:00Z") {
					t.Fatalf("QueryRanges = %+v, %v; want ErrNewestPointsDropped naming the time and the fix", got, err)
				}
			}
			if !tt.wantErr {
				return
			}
			if n := hits.Load(); n != 3 {
				t.Errorf("%d requests for 3 batches, want 3: not retried, not failed fast", n)
			}
			if st := s.CircuitState(); st != "closed" {
				t.Errorf("breaker %s after 3 such answers (it opens after 2 failures), want closed", st)
			}
			wantMetric(t, reg, "slod_prometheus_up", "", "", 0)
			wantMetric(t, reg, "slod_prometheus_queries_total", "result", "error", 6)
		})
	}
}

// TestNewestPointsDroppedWhenIsolated: when a bad query makes its chunk
// run query by query, the probe runs alone first and still fails the
// batch.
func TestNewestPointsDroppedWhenIsolated(t *testing.T) {
	at := time.Date(2026, 11, 27, 18, 0, 0, 0, time.UTC)
	var asked []string
	srv := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		q := r.Form.Get("query")
		asked = append(asked, q)
		if strings.Contains(q, "bad(") {
			writeAPIError(t, w, http.StatusBadRequest, "bad_data", "unknown function bad")
			return
		}
		writeResult(t, w, "matrix", []any{})
	})
	s, _ := newTestSource(t, testConfig(srv.URL))
	_, err := s.QueryRanges(context.Background(), []string{"bad(x)", "sum(y)"}, at, at, time.Second)
	if !errors.Is(err, ErrNewestPointsDropped) {
		t.Fatalf("err = %v, want ErrNewestPointsDropped", err)
	}
	if len(asked) != 2 || !strings.Contains(asked[1], probeQuery) || strings.Contains(asked[1], "sum(y)") {
		t.Errorf("asked %q; want the union, then the probe alone", asked)
	}
}

// TestProbed: over several steps the probe's point must be at the last
// step of the grid, which may lie before the range's end.
func TestProbed(t *testing.T) {
	at := time.Date(2026, 11, 27, 18, 0, 0, 0, time.UTC)
	r := v1.Range{Start: at.Add(-time.Hour), End: at.Add(4 * time.Minute), Step: 5 * time.Minute}
	probe := func(times ...time.Time) model.Matrix {
		ss := &model.SampleStream{Metric: model.Metric{batchLabel: "1"}}
		for _, tm := range times {
			ss.Values = append(ss.Values, model.SamplePair{Timestamp: model.TimeFromUnixNano(tm.UnixNano()), Value: 1})
		}
		return model.Matrix{{Metric: model.Metric{batchLabel: "0"}, Values: []model.SamplePair{{Timestamp: model.TimeFromUnixNano(at.UnixNano()), Value: 2}}}, ss}
	}
	for _, tt := range []struct {
		name    string
		m       model.Matrix
		wantErr bool
	}{
		// 18:00 is the last step: 18:04 is not on the grid.
		{"up to the last step", probe(at.Add(-5*time.Minute), at), false},
		{"the last step left out", probe(at.Add(-10*time.Minute), at.Add(-5*time.Minute)), true},
		{"no probe series", probe()[:1], true},
	} {
		if err := probed(tt.m, r, "1"); (err != nil) != tt.wantErr || (err != nil && !errors.Is(err, ErrNewestPointsDropped)) {
			t.Errorf("%s: err = %v, want error %v", tt.name, err, tt.wantErr)
		}
	}
	if _, label := withProbe(make([]string, 7)); label != model.LabelValue(strconv.Itoa(7)) {
		t.Errorf("probe label %q, want 7", label)
	}
}
