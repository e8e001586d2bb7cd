package prom

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/slo-dev/slo/internal/demo/synth"
	"github.com/slo-dev/slo/internal/testing/promtest"
)

// TestAgainstPrometheus queries a real Prometheus loaded with synthetic
// traffic, then takes it away and brings it back.
func TestAgainstPrometheus(t *testing.T) {
	now := time.Now()
	sc := synth.Scenario{
		Service: "checkout",
		Start:   now.Add(-day),
		End:     now.Add(promtest.Lead),
		Default: synth.Traffic{RPS: 20, ErrorRatio: 0.0005},
	}
	srv := promtest.Start(t, sc)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	t.Run("PromQL error is not retried and keeps the circuit closed", func(t *testing.T) {
		cfg := testConfig(srv.URL)
		cfg.BreakerFailures = 1
		s, reg := newTestSource(t, cfg)
		_, _, err := s.Query(ctx, `sum(rate(http_requests_total[5m])`, time.Now())
		if !errors.Is(err, ErrBadQuery) {
			t.Fatalf("err = %v, want ErrBadQuery", err)
		}
		wantMetric(t, reg, "slod_prometheus_queries_total", "result", "retry", 0)
		if s.CircuitState() != "closed" {
			t.Errorf("state = %s, want closed", s.CircuitState())
		}
	})

	t.Run("hung prometheus times out", func(t *testing.T) {
		cfg := testConfig(srv.URL)
		cfg.QueryTimeout, cfg.MaxRetries = 300*time.Millisecond, -1
		s, reg := newTestSource(t, cfg)
		srv.Pause()
		_, _, err := s.Query(ctx, `vector(1)`, time.Now())
		srv.Resume()
		if !errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
			t.Fatalf("err = %v, want the query timeout", err)
		}
		wantMetric(t, reg, "slod_prometheus_up", "", "", 0)
	})

	t.Run("outage opens the circuit, recovery closes it", func(t *testing.T) {
		cfg := testConfig(srv.URL)
		cfg.MaxRetries, cfg.BreakerFailures, cfg.BreakerOpenTimeout = 1, 2, time.Second
		s, reg := newTestSource(t, cfg)
		srv.Stop()
		// Two attempts (one retry), both refused: the breaker opens.
		if _, _, err := s.Query(ctx, `vector(1)`, time.Now()); err == nil || errors.Is(err, ErrCircuitOpen) {
			t.Fatalf("first query while stopped: err = %v, want connection refused", err)
		}
		if _, _, err := s.Query(ctx, `vector(1)`, time.Now()); !errors.Is(err, ErrCircuitOpen) {
			t.Fatalf("second query while stopped: err = %v, want ErrCircuitOpen", err)
		}
		wantMetric(t, reg, "slod_circuit_breaker_state", "dependency", "prometheus", 2)
		wantMetric(t, reg, "slod_prometheus_up", "", "", 0)
		srv.Start()
		time.Sleep(cfg.BreakerOpenTimeout + 100*time.Millisecond)
		v, ok, err := s.Query(ctx, `vector(1)`, time.Now())
		if err != nil || !ok || v != 1 {
			t.Fatalf("after restart: %v, %v, %v; want 1", v, ok, err)
		}
		if s.CircuitState() != "closed" {
			t.Errorf("state = %s, want closed", s.CircuitState())
		}
		wantMetric(t, reg, "slod_prometheus_up", "", "", 1)
	})
}

const day = 24 * time.Hour
