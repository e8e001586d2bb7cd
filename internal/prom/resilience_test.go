package prom

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestRetryOn503ThenSuccess(t *testing.T) {
	var hits atomic.Int32
	srv := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		if hits.Add(1) <= 2 {
			http.Error(w, "overloaded", http.StatusServiceUnavailable)
			return
		}
		writeVector(t, w, "7")
	})
	cfg := testConfig(srv.URL)
	cfg.MaxRetries = 3
	s, reg := newTestSource(t, cfg)
	v, ok, err := s.Query(context.Background(), "sum(up)", time.Now())
	if err != nil || !ok || v != 7 {
		t.Fatalf("Query = %v, %v, %v; want 7, true, nil", v, ok, err)
	}
	if got := hits.Load(); got != 3 {
		t.Errorf("server hits = %d, want 3 (two 503s, then success)", got)
	}
	wantMetric(t, reg, "slod_prometheus_queries_total", "result", "retry", 2)
	wantMetric(t, reg, "slod_prometheus_queries_total", "result", "success", 1)
	wantMetric(t, reg, "slod_prometheus_up", "", "", 1)
}

func TestRetriesExhausted(t *testing.T) {
	var hits atomic.Int32
	srv := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, "bad gateway", http.StatusBadGateway)
	})
	s, reg := newTestSource(t, testConfig(srv.URL)) // MaxRetries 2
	_, _, err := s.Query(context.Background(), "sum(up)", time.Now())
	if err == nil {
		t.Fatal("Query succeeded against a server answering 502")
	}
	if got := hits.Load(); got != 3 {
		t.Errorf("server hits = %d, want 3 (1 attempt + 2 retries)", got)
	}
	wantMetric(t, reg, "slod_prometheus_queries_total", "result", "error", 1)
	wantMetric(t, reg, "slod_prometheus_up", "", "", 0)
}

func TestNoRetryOnBadData(t *testing.T) {
	var hits atomic.Int32
	srv := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		writeAPIError(t, w, http.StatusBadRequest, "bad_data", `1:5: parse error: unexpected "}"`)
	})
	s, reg := newTestSource(t, testConfig(srv.URL))
	_, _, err := s.Query(context.Background(), "sum(up}", time.Now())
	if !errors.Is(err, ErrBadQuery) {
		t.Fatalf("err = %v, want ErrBadQuery", err)
	}
	if got := hits.Load(); got != 1 {
		t.Errorf("server hits = %d, want exactly 1 (bad_data is never retried)", got)
	}
	wantMetric(t, reg, "slod_prometheus_queries_total", "result", "retry", 0)
}

func TestNoRetryOnUnauthorized(t *testing.T) {
	var hits atomic.Int32
	srv := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, "no token", http.StatusUnauthorized)
	})
	s, reg := newTestSource(t, testConfig(srv.URL))
	if _, _, err := s.Query(context.Background(), "sum(up)", time.Now()); err == nil {
		t.Fatal("Query succeeded against a server answering 401")
	}
	if got := hits.Load(); got != 1 {
		t.Errorf("server hits = %d, want 1 (credentials do not become valid on retry)", got)
	}
	wantMetric(t, reg, "slod_prometheus_up", "", "", 0)
}

func TestRetryAfterHonoured(t *testing.T) {
	var (
		mu    sync.Mutex
		times []time.Time
	)
	srv := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		times = append(times, time.Now())
		n := len(times)
		mu.Unlock()
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		}
		writeVector(t, w, "1")
	})
	// Backoff alone would retry within 5ms.
	s, _ := newTestSource(t, testConfig(srv.URL))
	if _, _, err := s.Query(context.Background(), "sum(up)", time.Now()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(times) != 2 {
		t.Fatalf("server hits = %d, want 2", len(times))
	}
	if gap := times[1].Sub(times[0]); gap < time.Second {
		t.Errorf("second attempt %v after the 429, want at least the Retry-After of 1s", gap)
	}
}

func TestRetryAfterPastDeadlineGivesUp(t *testing.T) {
	var hits atomic.Int32
	srv := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Retry-After", "3600")
		http.Error(w, "slow down", http.StatusTooManyRequests)
	})
	s, _ := newTestSource(t, testConfig(srv.URL))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, _, err := s.Query(ctx, "sum(up)", time.Now()); err == nil {
		t.Fatal("Query succeeded against a server answering 429")
	}
	if ctx.Err() != nil {
		t.Error("Query waited for the caller's deadline instead of giving up at once")
	}
	if got := hits.Load(); got != 1 {
		t.Errorf("server hits = %d, want 1", got)
	}
}

func TestConnectionRefusedIsRetried(t *testing.T) {
	// A port that was just listening and is now closed refuses connections.
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	s, reg := newTestSource(t, testConfig(url)) // MaxRetries 2
	if _, _, err := s.Query(context.Background(), "sum(up)", time.Now()); err == nil {
		t.Fatal("Query succeeded against a closed port")
	}
	wantMetric(t, reg, "slod_prometheus_queries_total", "result", "retry", 2)
	wantMetric(t, reg, "slod_prometheus_up", "", "", 0)
}

func TestQueryTimeout(t *testing.T) {
	release := make(chan struct{})
	var hits atomic.Int32
	srv := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		queryParam(t, r) // reads the body, so the server notices a hang-up
		// Far longer than the query timeout; ends when the client hangs up.
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release) // runs before srv.Close, which waits for handlers
	cfg := testConfig(srv.URL)
	cfg.QueryTimeout = 100 * time.Millisecond
	cfg.MaxRetries = 1
	s, _ := newTestSource(t, cfg)
	// Guards the test only: the query timeout must end the call long before.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, _, err := s.Query(ctx, "sum(up)", time.Now())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a deadline exceeded error", err)
	}
	if ctx.Err() != nil {
		t.Fatal("the call ran until the test's guard deadline: the query timeout did not apply")
	}
	if got := hits.Load(); got != 2 {
		t.Errorf("server hits = %d, want 2 (timeouts are retried once)", got)
	}
}

func TestBreakerOpensAndFailsFast(t *testing.T) {
	var (
		hits    atomic.Int32
		healthy atomic.Bool
	)
	srv := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if !healthy.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		writeVector(t, w, "1")
	})
	cfg := testConfig(srv.URL)
	cfg.MaxRetries = -1
	cfg.BreakerFailures = 3
	// Long enough that the fail-fast checks below finish inside it even
	// under -race on a busy machine.
	cfg.BreakerOpenTimeout = time.Second
	s, reg := newTestSource(t, cfg)
	ctx := context.Background()
	for i := range 3 {
		_, _, err := s.Query(ctx, "sum(up)", time.Now())
		if err == nil || errors.Is(err, ErrCircuitOpen) {
			t.Fatalf("query %d: err = %v, want a 503 failure", i+1, err)
		}
	}
	if got := s.CircuitState(); got != "open" {
		t.Fatalf("state after 3 failures = %s, want open", got)
	}
	wantMetric(t, reg, "slod_circuit_breaker_state", "dependency", "prometheus", 2) // open
	for range 5 {
		if _, _, err := s.Query(ctx, "sum(up)", time.Now()); !errors.Is(err, ErrCircuitOpen) {
			t.Fatalf("err = %v, want ErrCircuitOpen", err)
		}
	}
	if got := hits.Load(); got != 3 {
		t.Errorf("server hits = %d, want 3: an open circuit must not reach the server", got)
	}
	wantMetric(t, reg, "slod_prometheus_queries_total", "result", "rejected", 5)

	time.Sleep(cfg.BreakerOpenTimeout + 50*time.Millisecond)
	if got := s.CircuitState(); got != "half-open" {
		t.Fatalf("state after the open timeout = %s, want half-open", got)
	}
	wantMetric(t, reg, "slod_circuit_breaker_state", "dependency", "prometheus", 1) // half-open
	healthy.Store(true)
	if _, _, err := s.Query(ctx, "sum(up)", time.Now()); err != nil {
		t.Fatalf("probe query: %v", err)
	}
	if got := s.CircuitState(); got != "closed" {
		t.Errorf("state after a good probe = %s, want closed", got)
	}
	wantMetric(t, reg, "slod_circuit_breaker_state", "dependency", "prometheus", 0) // closed
}

func TestRetriesStopWhenBreakerOpens(t *testing.T) {
	var hits atomic.Int32
	srv := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, "down", http.StatusServiceUnavailable)
	})
	cfg := testConfig(srv.URL)
	cfg.MaxRetries = 5
	cfg.BreakerFailures = 2
	s, _ := newTestSource(t, cfg)
	_, _, err := s.Query(context.Background(), "sum(up)", time.Now())
	if !errors.Is(err, ErrCircuitOpen) {
		t.Fatalf("err = %v, want ErrCircuitOpen once the breaker opened mid-retries", err)
	}
	if got := hits.Load(); got != 2 {
		t.Errorf("server hits = %d, want 2 (the breaker's threshold)", got)
	}
}

func TestBadQueriesDoNotTripBreaker(t *testing.T) {
	var hits atomic.Int32
	srv := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		writeAPIError(t, w, http.StatusUnprocessableEntity, "execution", "many-to-many matching not allowed")
	})
	cfg := testConfig(srv.URL)
	cfg.BreakerFailures = 2
	s, reg := newTestSource(t, cfg)
	for range 5 {
		if _, _, err := s.Query(context.Background(), "a / b", time.Now()); !errors.Is(err, ErrBadQuery) {
			t.Fatalf("err = %v, want ErrBadQuery", err)
		}
	}
	if got := hits.Load(); got != 5 {
		t.Errorf("server hits = %d, want 5", got)
	}
	if got := s.CircuitState(); got != "closed" {
		t.Errorf("state = %s, want closed: PromQL errors say nothing about Prometheus' health", got)
	}
	// PromQL errors neither prove Prometheus up nor down.
	if !metricAbsent(t, reg, "slod_prometheus_up") {
		t.Error("slod_prometheus_up set by PromQL errors, want it untouched (absent)")
	}
}

func TestBulkheadLimitsConcurrency(t *testing.T) {
	var inFlight, maxInFlight atomic.Int32
	srv := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			m := maxInFlight.Load()
			if n <= m || maxInFlight.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(30 * time.Millisecond)
		writeVector(t, w, "1")
	})
	cfg := testConfig(srv.URL)
	cfg.MaxConcurrent = 2
	s, _ := newTestSource(t, cfg)
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			if _, _, err := s.Query(context.Background(), "sum(up)", time.Now()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := maxInFlight.Load(); got != 2 {
		t.Errorf("max concurrent requests seen by the server = %d, want 2", got)
	}
}

func TestBulkheadRejectsWhenContextEnds(t *testing.T) {
	entered := make(chan struct{}, 1)
	release := make(chan struct{})
	var hits atomic.Int32
	srv := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		entered <- struct{}{}
		<-release
		writeVector(t, w, "1")
	})
	cfg := testConfig(srv.URL)
	cfg.MaxConcurrent = 1
	s, reg := newTestSource(t, cfg)

	done := make(chan error)
	go func() {
		_, _, err := s.Query(context.Background(), "sum(up)", time.Now())
		done <- err
	}()
	<-entered // the only slot is taken
	wantMetric(t, reg, "slod_bulkhead_in_flight", "bulkhead", "prometheus", 1)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, _, err := s.Query(ctx, "sum(up)", time.Now())
	if !errors.Is(err, ErrBulkheadFull) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want ErrBulkheadFull wrapping the deadline", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Errorf("first query: %v", err)
	}
	if got := hits.Load(); got != 1 {
		t.Errorf("server hits = %d, want 1 (the rejected query never left)", got)
	}
	wantMetric(t, reg, "slod_prometheus_queries_total", "result", "rejected", 1)
	wantMetric(t, reg, "slod_bulkhead_in_flight", "bulkhead", "prometheus", 0) // after both queries
}

func TestCanceledCallerDoesNotTripBreaker(t *testing.T) {
	entered := make(chan struct{}, 10)
	release := make(chan struct{})
	srv := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		queryParam(t, r) // reads the body, so the server notices a hang-up
		entered <- struct{}{}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release) // runs before srv.Close, which waits for handlers
	cfg := testConfig(srv.URL)
	cfg.BreakerFailures = 1
	s, _ := newTestSource(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-entered
		cancel()
	}()
	if _, _, err := s.Query(ctx, "sum(up)", time.Now()); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if got := s.CircuitState(); got != "closed" {
		t.Errorf("state = %s, want closed: a caller giving up is not a Prometheus failure", got)
	}
}

// A query whose attempt reached Prometheus and failed is an error even when
// its retry then meets the opened circuit; only a query Prometheus never
// saw counts as rejected.
func TestRejectedOnlyWhenNothingWasSent(t *testing.T) {
	var hits atomic.Int32
	srv := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, "bad gateway", http.StatusBadGateway)
	})
	cfg := testConfig(srv.URL)
	cfg.BreakerFailures = 1
	cfg.BreakerOpenTimeout = time.Minute
	s, reg := newTestSource(t, cfg)
	if _, _, err := s.Query(context.Background(), "sum(up)", time.Now()); !errors.Is(err, ErrCircuitOpen) {
		t.Fatalf("first query: err = %v, want the retry to meet the open circuit", err)
	}
	if _, _, err := s.Query(context.Background(), "sum(up)", time.Now()); !errors.Is(err, ErrCircuitOpen) {
		t.Fatalf("second query: err = %v, want circuit open", err)
	}
	if got := hits.Load(); got != 1 {
		t.Errorf("server hits = %d, want 1 (the circuit opened after the first failure)", got)
	}
	wantMetric(t, reg, "slod_prometheus_queries_total", "result", "error", 1)    // the query that reached Prometheus
	wantMetric(t, reg, "slod_prometheus_queries_total", "result", "rejected", 1) // the query the open circuit stopped
}
