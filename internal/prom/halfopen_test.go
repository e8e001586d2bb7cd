package prom

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// TestMeasureRecoversThroughHalfOpen: once Prometheus is back, a Measure
// in the half-open state lets the breaker's single probe finish although
// its siblings are rejected, so the breaker closes and the next Measure
// succeeds. (The first failing sibling used to cancel the probe; a
// cancelled probe counts as neither success nor failure, so the breaker
// stayed half-open and slod never recovered.)
func TestMeasureRecoversThroughHalfOpen(t *testing.T) {
	var failing atomic.Bool
	failing.Store(true)
	srv := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		queryParam(t, r)
		if failing.Load() {
			writeAPIError(t, w, http.StatusServiceUnavailable, "unavailable", "down")
			return
		}
		// Slow enough that the probe is still in flight when the other
		// queries of the same Measure are rejected.
		time.Sleep(50 * time.Millisecond)
		writeVector(t, w, "1")
	})
	cfg := testConfig(srv.URL)
	cfg.MaxRetries = -1
	cfg.BreakerFailures = 1
	cfg.BreakerOpenTimeout = 100 * time.Millisecond
	s, _ := newTestSource(t, cfg)
	o := eventsSLO()
	ctx := context.Background()

	if _, err := s.Measure(ctx, o, time.Now(), alertWindows(o)); err == nil {
		t.Fatal("Measure succeeded against a failing Prometheus")
	}
	if st := s.CircuitState(); st != "open" {
		t.Fatalf("breaker %s after a failure, want open", st)
	}
	failing.Store(false)
	time.Sleep(cfg.BreakerOpenTimeout + 20*time.Millisecond)

	// Half-open: this Measure fails (all but one query are rejected), but
	// its probe must get through and close the breaker.
	if _, err := s.Measure(ctx, o, time.Now(), alertWindows(o)); !errors.Is(err, ErrCircuitOpen) {
		t.Fatalf("half-open Measure: err = %v, want ErrCircuitOpen for the rejected queries", err)
	}
	if st := s.CircuitState(); st != "closed" {
		t.Fatalf("breaker %s after the half-open probe succeeded, want closed", st)
	}
	if _, err := s.Measure(ctx, o, time.Now(), alertWindows(o)); err != nil {
		t.Fatalf("Measure after recovery: %v", err)
	}
}
